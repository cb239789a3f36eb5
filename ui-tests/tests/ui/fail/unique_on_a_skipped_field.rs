use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users", unique(name, cache))]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
    #[dal(skip, unique)]
    cache: String,
}

fn main() {}
