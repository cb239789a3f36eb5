use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users")]
struct User {
    #[dal(id, unique)]
    id: Uuid,
    name: String,
}

fn main() {}
