use dal::prelude::*;

#[auto_transaction]
fn transfer(db: &Database) -> Result<(), dal::Error> {
    let _ = db;
    Ok(())
}

fn main() {}
