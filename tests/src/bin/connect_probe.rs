//! Connects with the URL given as its one argument and prints what the server says the session
//! is (user, database, application name, encryption), or the error: run by
//! `tests/tests/environment.rs` in a child process with PG* variables set, so the test process's
//! own environment stays clean.

use dal::{Database, DbConfig};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: connect_probe URL");
        std::process::exit(2);
    };
    match probe(&url).await {
        Ok(line) => println!("{line}"),
        Err(e) => println!("ERROR {:?}: {e}", e.kind()),
    }
}

async fn probe(url: &str) -> dal::Result<String> {
    let config = DbConfig::from_url(url)?.alias("connect_probe");
    let db = Database::connect(config).await?;
    let row = db
        .query(
            "SELECT current_user, current_database(), current_setting('application_name'), \
             current_setting('search_path')",
        )
        .fetch_one()
        .await?;
    let encrypted = db.pool().status().encrypted;
    Ok(format!(
        "user={} database={} application_name={:?} search_path={:?} encrypted={encrypted:?}",
        row.get::<String>(0)?,
        row.get::<String>(1)?,
        row.get::<String>(2)?,
        row.get::<String>(3)?,
    ))
}
