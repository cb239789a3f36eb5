use dal::prelude::*;

#[auto_transaction(retyr = 3, isolation = "snapshot")]
async fn transfer(db: &Database) -> Result<(), dal::Error> {
    let _ = db;
    Ok(())
}

fn main() {}
