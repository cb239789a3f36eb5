use dal::prelude::*;

#[derive(Entity)]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(shard_key)]
    weight: f64,
}

fn main() {}
