use dal::prelude::*;

#[auto_transaction]
async fn transfer(db: &Database) {
    let _ = db;
}

fn main() {}
