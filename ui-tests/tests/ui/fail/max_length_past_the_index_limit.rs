use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users")]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(unique, max_length = 1000)]
    email: String,
}

fn main() {}
