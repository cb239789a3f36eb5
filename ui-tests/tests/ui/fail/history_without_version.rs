use dal::prelude::*;

#[derive(Entity)]
#[dal(history)]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
}

fn main() {}
