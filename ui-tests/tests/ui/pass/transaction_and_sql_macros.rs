//! `#[auto_transaction]` on free functions and methods with every option, `sql!`, `sql_as!`,
//! and `#[track_slow]`, as users write them.

use dal::prelude::*;

#[derive(Debug)]
enum AppError {
    Db(dal::Error),
}

impl From<dal::Error> for AppError {
    fn from(e: dal::Error) -> Self {
        AppError::Db(e)
    }
}

#[auto_transaction]
async fn transfer(db: &Database, from: i64, to: i64, amount: i64) -> Result<(), AppError> {
    sql!("UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from).execute(db).await?;
    sql!("UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to).execute(db).await?;
    Ok(())
}

struct Service;

impl Service {
    #[auto_transaction(isolation = "serializable", read_only, retry = 3, timeout = "5s", handle = "conn")]
    #[track_slow(threshold = "500ms")]
    async fn balances(&self, conn: &Database) -> Result<Vec<(i64, i64)>, AppError> {
        Ok(sql_as!((i64, i64), "SELECT id, balance FROM accounts").fetch_all(conn).await?)
    }

    #[auto_transaction(savepoint, tags(route = "/audit", job = "nightly"))]
    async fn audit(&self, db: &Database, note: String) -> Result<(), AppError> {
        sql!("INSERT INTO audit (note) VALUES (?)", note).execute(db).await?;
        Ok(())
    }
}

fn main() {
    // Each expands and type-checks; naming them is enough.
    let _ = (transfer, Service::balances, Service::audit, AppError::Db);
}
