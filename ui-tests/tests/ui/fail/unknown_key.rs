use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(frobnicate)]
    name: String,
}

fn main() {}
