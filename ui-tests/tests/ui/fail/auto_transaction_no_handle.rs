use dal::prelude::*;

#[auto_transaction]
async fn transfer(conn: &Database, amount: i64) -> Result<(), dal::Error> {
    let _ = (conn, amount);
    Ok(())
}

fn main() {}
