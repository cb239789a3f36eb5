use dal::prelude::*;

struct Customer {
    id: Uuid,
}

#[derive(Entity)]
#[dal(table = "orders")]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(references = Customer)]
    customer_id: Uuid,
}

fn main() {}
