use dal::prelude::*;

#[auto_transaction(handle = "x")]
async fn transfer(db: &Database, amount: i64) -> Result<(), dal::Error> {
    let _ = (db, amount);
    Ok(())
}

fn main() {}
