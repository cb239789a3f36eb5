//! `#[auto_transaction]` on service methods whose handle is a field: every receiver that can
//! work, free functions without a handle parameter, each propagation, and a `Send` future (as
//! axum handlers need).

use std::sync::Arc;

use dal::prelude::*;
use dal::{Propagation, ScopeOptions, spawn_in_transaction, transaction_scope};

#[derive(Clone)]
struct Stock {
    db: Database,
}

struct Orders {
    db: Database,
    stock: Stock,
    placed: u64,
}

impl Stock {
    #[auto_transaction]
    async fn reserve(&self, item: &str) -> Result<(), dal::Error> {
        sql!("UPDATE stock SET n = n - 1 WHERE item = ?", item).execute(&self.db).await?;
        Ok(())
    }

    #[auto_transaction(savepoint)]
    async fn try_reserve(&self, item: &str) -> Result<(), dal::Error> {
        self.reserve(item).await
    }
}

impl Orders {
    #[auto_transaction(isolation = "serializable", retry = 3, timeout = "5s", tags(route = "/orders"))]
    async fn place(&self, item: &str) -> Result<(), dal::Error> {
        sql!("INSERT INTO orders (item) VALUES (?)", item).execute(&self.db).await?;
        self.stock.reserve(item).await
    }

    #[auto_transaction]
    async fn place_counted(&mut self, item: &str) -> Result<(), dal::Error> {
        self.place(item).await?;
        self.placed += 1;
        Ok(())
    }

    #[auto_transaction(requires_new)]
    async fn place_alone(self: Arc<Self>, item: String) -> Result<(), dal::Error> {
        self.place(&item).await
    }

    #[auto_transaction(mandatory)]
    async fn place_within(&self, item: &str) -> Result<(), dal::Error> {
        self.place(item).await
    }

    #[auto_transaction(never, timeout = "1s")]
    async fn count(self) -> Result<i64, dal::Error> {
        self.db.query("SELECT COUNT(*) FROM orders").fetch_one().await?.get(0)
    }
}

/// No handle in sight: statements through any handle join the task's transaction.
#[auto_transaction]
async fn restock(stock: &Stock, conn: &Database, item: String) -> Result<(), dal::Error> {
    sql!("UPDATE stock SET n = n + 1 WHERE item = ?", item.clone()).execute(&stock.db).await?;
    let audit = spawn_in_transaction({
        let conn = conn.clone();
        async move { conn.query("INSERT INTO audit (what) VALUES ('restock')").execute().await }
    });
    audit.await.expect("the audit task ran")?;
    Ok(())
}

fn is_send<T: Send>(_: T) {}

async fn scopes(orders: Arc<Orders>) -> dal::Result<()> {
    let options = ScopeOptions::new().propagation(Propagation::RequiresNew);
    transaction_scope(options, || async { orders.place_within("pen").await }).await
}

fn main() {
    let db = Database::connect_lazy("sqlite::memory:").expect("config");
    let stock = Stock { db: db.clone() };
    let orders = Arc::new(Orders { db, stock: stock.clone(), placed: 0 });
    is_send(orders.place("book"));
    is_send(stock.try_reserve("book"));
    is_send(Arc::clone(&orders).place_alone("cup".to_owned()));
    is_send(restock(&stock, &stock.db, "ink".to_owned()));
    is_send(scopes(orders));
}
