use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id, skip)]
    id: Uuid,
    name: String,
}

fn main() {}
