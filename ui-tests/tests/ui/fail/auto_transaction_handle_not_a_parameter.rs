use dal::prelude::*;

struct Orders {
    db: Database,
}

impl Orders {
    #[auto_transaction(handle = "self.db")]
    async fn place(&self, id: i64) -> Result<(), dal::Error> {
        sql!("INSERT INTO orders (id) VALUES (?)", id).execute(&self.db).await?;
        Ok(())
    }
}

#[auto_transaction(handle = "conn")]
async fn transfer(db: &Database, amount: i64) -> Result<(), dal::Error> {
    let _ = (db, amount);
    Ok(())
}

fn main() {}
