use dal::prelude::*;

#[auto_transaction]
async fn transfer(db: Database) -> Result<(), dal::Error> {
    let _ = db;
    Ok(())
}

fn main() {}
