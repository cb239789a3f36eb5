use dal::prelude::*;

#[derive(Entity)]
struct Product {
    #[dal(id, precision = 10)]
    id: i64,
    name: String,
    #[dal(skip, scale = 2)]
    cache: u64,
}

fn main() {}
