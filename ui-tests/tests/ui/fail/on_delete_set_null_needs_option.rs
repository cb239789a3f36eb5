use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "customers")]
struct Customer {
    #[dal(id)]
    id: Uuid,
    name: String,
}

#[derive(Entity)]
#[dal(table = "orders")]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(references = Customer, on_delete = "set_null")]
    customer_id: Uuid,
}

fn main() {}
