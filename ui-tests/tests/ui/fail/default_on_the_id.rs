use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users")]
struct User {
    #[dal(id, default = 1)]
    id: i64,
    name: String,
}

fn main() {}
