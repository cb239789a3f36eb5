use dal::prelude::*;
use dal::types::Decimal;

#[derive(Entity)]
struct Product {
    #[dal(id)]
    id: i64,
    #[dal(precision = 38, scale = 4)]
    price: Decimal,
    #[dal(precision = 0)]
    weight: Decimal,
}

fn main() {}
