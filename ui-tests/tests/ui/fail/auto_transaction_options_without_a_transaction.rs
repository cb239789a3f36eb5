use dal::prelude::*;

struct Audit {
    db: Database,
}

impl Audit {
    #[auto_transaction(never, isolation = "serializable")]
    async fn count(&self) -> Result<i64, dal::Error> {
        self.db.query("SELECT COUNT(*) FROM audit").fetch_one().await?.get(0)
    }

    #[auto_transaction(mandatory, retry = 2)]
    async fn record(&self) -> Result<(), dal::Error> {
        self.db.query("INSERT INTO audit (what) VALUES ('x')").execute().await?;
        Ok(())
    }
}

fn main() {}
