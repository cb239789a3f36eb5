use dal::prelude::*;

fn main() {
    let _ = sql!("SELECT * FROM users WHERE id = ?1", 7);
}
