use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(id)]
    other_id: Uuid,
    name: String,
}

fn main() {}
