use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
    #[dal(version)]
    version: i32,
}

fn main() {}
