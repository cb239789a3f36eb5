use dal::prelude::*;

#[derive(Entity)]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(shard_key)]
    tenant: String,
    #[dal(shard_key)]
    region: String,
}

fn main() {}
