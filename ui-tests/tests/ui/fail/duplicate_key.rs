use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users", table = "people")]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
}

fn main() {}
