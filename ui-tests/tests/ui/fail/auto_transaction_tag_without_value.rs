use dal::prelude::*;

#[auto_transaction(tags(route, job = "nightly"))]
async fn report(db: &Database) -> Result<(), dal::Error> {
    let _ = db;
    Ok(())
}

fn main() {}
