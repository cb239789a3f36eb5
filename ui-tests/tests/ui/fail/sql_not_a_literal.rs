use dal::prelude::*;

fn main() {
    let text = "SELECT 1";
    let _ = sql!(text);
}
