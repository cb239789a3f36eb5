use dal::prelude::*;

#[derive(Entity)]
struct User {
    name: String,
}

fn main() {}
