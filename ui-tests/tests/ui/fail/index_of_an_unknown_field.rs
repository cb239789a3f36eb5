use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users", index(name, emial))]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
    email: String,
}

fn main() {}
