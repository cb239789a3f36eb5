use dal::prelude::*;

#[derive(Entity)]
#[dal(soft_delete)]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
}

fn main() {}
