use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users")]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(default = 70000)]
    level: i16,
}

fn main() {}
