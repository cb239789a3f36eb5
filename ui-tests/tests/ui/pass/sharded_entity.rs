use dal::prelude::*;
use dal::cluster::ShardedEntity;

#[derive(Entity, Debug, Clone)]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(shard_key)]
    tenant: String,
    item: String,
}

#[derive(Entity, Debug, Clone)]
struct Event {
    #[dal(id, shard_key)]
    id: i64,
    kind: String,
}

fn main() {
    let order = Order { id: Uuid::nil(), tenant: "acme".into(), item: "x".into() };
    assert_eq!(order.shard_key(), "acme");
    let event = Event { id: 7, kind: "k".into() };
    assert_eq!(*event.shard_key(), 7);
}
