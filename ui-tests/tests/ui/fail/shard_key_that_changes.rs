use dal::prelude::*;

#[derive(Entity)]
struct Order {
    #[dal(id)]
    id: Uuid,
    item: String,
    #[dal(version, shard_key)]
    version: i64,
}

fn main() {}
