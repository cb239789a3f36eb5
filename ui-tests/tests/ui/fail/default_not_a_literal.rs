use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users")]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(default = String::new())]
    name: String,
}

fn main() {}
