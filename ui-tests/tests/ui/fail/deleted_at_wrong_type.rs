use dal::prelude::*;

#[derive(Entity)]
#[dal(soft_delete)]
struct User {
    #[dal(id)]
    id: Uuid,
    name: String,
    #[dal(deleted_at)]
    deleted_at: DateTime<Utc>,
}

fn main() {}
