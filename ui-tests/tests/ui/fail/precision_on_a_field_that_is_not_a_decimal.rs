use dal::prelude::*;

#[derive(Entity)]
struct Product {
    #[dal(id)]
    id: i64,
    #[dal(precision = 10, scale = 2)]
    price: f64,
}

fn main() {}
