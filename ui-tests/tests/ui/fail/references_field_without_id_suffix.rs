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
    #[dal(references = Customer)]
    buyer: Uuid,
}

fn main() {}
