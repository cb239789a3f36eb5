use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "customers")]
struct Customer {
    #[dal(id)]
    id: Uuid,
    name: String,
}

#[derive(Entity)]
#[dal(table = "orders", index(customer_id))]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(references = Customer, index)]
    customer_id: Uuid,
}

fn main() {}
