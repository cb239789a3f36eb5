use dal::prelude::*;

async fn read(db: &Database) -> dal::Result<()> {
    // Rows come back as tuples of up to eight columns.
    let rows = sql_as!(
        (i64, i64, i64, i64, i64, i64, i64, i64, i64),
        "SELECT 1, 2, 3, 4, 5, 6, 7, 8, 9"
    )
    .fetch_all(db)
    .await?;
    let _ = rows;
    Ok(())
}

fn main() {}
