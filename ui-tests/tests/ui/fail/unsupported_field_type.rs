use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id)]
    id: Uuid,
    visits: u64,
}

fn main() {}
