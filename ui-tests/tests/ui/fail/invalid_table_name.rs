use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "user-table")]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
}

fn main() {}
