use dal::prelude::*;

struct Orders {
    db: Database,
    placed: u64,
}

impl Orders {
    #[auto_transaction(retry = 3)]
    async fn place(&mut self, id: i64) -> Result<(), dal::Error> {
        sql!("INSERT INTO orders (id) VALUES (?)", id).execute(&self.db).await?;
        self.placed += 1;
        Ok(())
    }

    #[auto_transaction(retry = 3)]
    async fn place_shared(self: std::sync::Arc<Self>, id: i64) -> Result<(), dal::Error> {
        sql!("INSERT INTO orders (id) VALUES (?)", id).execute(&self.db).await?;
        Ok(())
    }
}

fn main() {}
