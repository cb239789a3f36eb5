use dal::prelude::*;
use dal::types::Decimal;

#[derive(Entity)]
struct Product {
    #[dal(id)]
    id: i64,
    #[dal(precision = 4, scale = 6)]
    price: Decimal,
}

fn main() {}
