use dal::prelude::*;

#[derive(Entity, Clone)]
#[dal(table = "shops")]
struct Shop {
    #[dal(id)]
    id: Uuid,
    name: String,
}

#[derive(Entity, Clone)]
#[dal(table = "customers", has_many(orders = Order::SHOP))]
struct Customer {
    #[dal(id)]
    id: Uuid,
    name: String,
}

#[derive(Entity, Clone)]
#[dal(table = "orders")]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(references = Shop)]
    shop_id: Uuid,
}

fn main() {}
