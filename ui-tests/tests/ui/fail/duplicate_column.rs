use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
    #[dal(column = "name")]
    display_name: String,
}

fn main() {}
