use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users", index)]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(index(name, email))]
    name: String,
    email: String,
}

fn main() {}
