use dal::prelude::*;

#[derive(Entity)]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
    #[dal(created_at, updated_at)]
    stamp: DateTime<Utc>,
}

fn main() {}
