use dal::prelude::*;
use dal::types::Decimal;

#[derive(Entity)]
struct Product {
    #[dal(id)]
    id: i64,
    #[dal(scale = 2)]
    price: Decimal,
}

fn main() {}
