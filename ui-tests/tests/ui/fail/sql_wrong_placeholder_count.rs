use dal::prelude::*;

fn main() {
    let _ = sql!("SELECT * FROM users WHERE age > ? AND name <> ?", 18);
}
