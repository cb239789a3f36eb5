use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "customers", has_many(orders = Order))]
struct Customer {
    #[dal(id)]
    id: Uuid,
    name: String,
}

fn main() {}
