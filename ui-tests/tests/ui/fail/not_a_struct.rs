use dal::prelude::*;

#[derive(Entity)]
enum User {
    Admin,
}

fn main() {}
