use dal::prelude::*;

#[derive(Entity)]
#[dal(id)]
struct User {
    #[dal(id, table = "users")]
    id: Uuid,
    name: String,
}

fn main() {}
