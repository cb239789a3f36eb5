//! A web service over a dal repository: notes over HTTP, with `/health` and `/metrics`.
//!
//! `cargo run -p examples --bin web_service` serves on `127.0.0.1:3000` (`DAL_WEB_ADDR` to
//! change it) with the database in `DAL_URL`, by default the SQLite file `web_service.db` in
//! the current directory, so no server is needed. Try:
//!
//! ```sh
//! curl -i -X POST localhost:3000/notes -H 'content-type: application/json' -d '{"text":"hello"}'
//! curl -i localhost:3000/notes
//! curl -i localhost:3000/health
//! curl -s localhost:3000/metrics | grep db_client
//! ```
//!
//! Ctrl-c or SIGTERM stops it gracefully: requests in flight finish, then every pool closes.
//! The routes and the error mapping are in `examples/src/web_service.rs`.

use std::time::Duration;

use examples::web_service;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Before connecting: dal's pools register their metrics when they are created.
    let metrics = web_service::install_metrics()?;
    let db = web_service::open_database().await?;
    let addr = std::env::var("DAL_WEB_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "serving notes on http://{} over {} ({})",
        listener.local_addr()?,
        db.config(),
        db.backend()
    );

    web_service::serve(listener, db, Some(metrics), web_service::shutdown_signal()).await?;
    let clean = dal::pool::PoolManager::global().close_all(Duration::from_secs(10)).await;
    println!("stopped; pools closed {}", if clean { "cleanly" } else { "after the timeout" });
    Ok(())
}
