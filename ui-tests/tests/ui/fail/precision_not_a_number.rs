use dal::prelude::*;
use dal::types::Decimal;

#[derive(Entity)]
struct Product {
    #[dal(id)]
    id: i64,
    #[dal(precision = "19")]
    price: Decimal,
    #[dal(precision = 10, scale = -2)]
    weight: Decimal,
}

fn main() {}
