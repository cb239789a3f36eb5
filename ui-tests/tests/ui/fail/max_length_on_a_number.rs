use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users")]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(max_length = 10)]
    level: i32,
}

fn main() {}
