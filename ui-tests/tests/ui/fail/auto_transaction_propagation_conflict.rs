use dal::prelude::*;

#[auto_transaction(requires_new, savepoint)]
async fn record(db: &Database) -> Result<(), dal::Error> {
    db.query("INSERT INTO audit (what) VALUES ('x')").execute().await?;
    Ok(())
}

fn main() {}
