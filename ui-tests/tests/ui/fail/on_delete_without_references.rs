use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "orders")]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(on_delete = "cascade")]
    customer_id: Uuid,
}

fn main() {}
