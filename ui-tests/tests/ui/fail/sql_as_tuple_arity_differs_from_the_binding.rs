use dal::prelude::*;

async fn read(db: &Database) -> dal::Result<()> {
    // Two columns selected, read into a tuple of three.
    let rows: Vec<(i64, String)> =
        sql_as!((i64, String, i32), "SELECT id, name FROM users").fetch_all(db).await?;
    let _ = rows;
    Ok(())
}

fn main() {}
