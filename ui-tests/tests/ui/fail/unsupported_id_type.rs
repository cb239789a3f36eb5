use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id)]
    id: String,
    name: String,
}

fn main() {}
