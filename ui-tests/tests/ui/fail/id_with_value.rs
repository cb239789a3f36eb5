use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id = true)]
    id: Uuid,
    name: String,
}

fn main() {}
