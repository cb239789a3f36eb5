use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users", unique(email))]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(unique, unique)]
    email: String,
}

fn main() {}
