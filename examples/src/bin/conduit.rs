//! Conduit, the RealWorld example backend, on dal (`examples/src/conduit/`).
//!
//! `cargo run -p examples --bin conduit` serves the RealWorld API under `/api` on `BIND`
//! (default `127.0.0.1:3000`; port 0 picks a free one) over `DB_URL` (default an SQLite file in
//! the temporary directory, so no server is needed), signing tokens with `JWT_SECRET` (a
//! development key when unset, with a warning). It prints `listening on http://ADDR` once it
//! serves; `GET /health` answers 200 from then on. Ctrl-c or SIGTERM stops it gracefully.

use std::time::Duration;

use examples::conduit::{self, config::Config};
use examples::serving;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env();
    if config.dev_secret {
        eprintln!("conduit: JWT_SECRET is not set; signing tokens with the development key");
    }
    // Before connecting: dal's pools register their metrics when they are created.
    let metrics = serving::install_metrics()?;
    let db = conduit::open_database(&config).await?;
    let listener = tokio::net::TcpListener::bind(&config.bind).await?;
    let app = conduit::router(db.clone(), &config, Some(metrics.clone()));
    // The address line comes last, once the schema exists and the socket listens: a script
    // (or the tests) may start sending requests as soon as it reads it.
    println!("conduit over {} ({})", db.config(), db.backend());
    println!("listening on http://{}", listener.local_addr()?);

    serving::serve(listener, app, &db, Some(metrics), serving::shutdown_signal()).await?;
    let clean = dal::pool::PoolManager::global().close_all(Duration::from_secs(10)).await;
    println!("stopped; pools closed {}", if clean { "cleanly" } else { "after the timeout" });
    Ok(())
}
