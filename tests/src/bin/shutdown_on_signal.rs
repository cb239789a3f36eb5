//! A service that shuts down on SIGTERM: run by `tests/tests/shutdown_signal.rs` as a child
//! process, which sends it a real signal. Arguments: a PostgreSQL URL, the schema of the test's
//! table `t`, and an application name to find its sessions by.
//!
//! It commits row 1, leaves row 2 in a transaction that runs a ten-minute statement, arms
//! `PoolManager::close_all_on_signal` (1 s grace), prints `ready` once the signal is being
//! listened for, and after the shutdown prints `closed clean=<bool> long=<outcome>` and exits.

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use dal::pool::PoolManager;
use dal::{Database, DbConfig};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, schema, app] = args.as_slice() else {
        eprintln!("usage: shutdown_on_signal URL SCHEMA APPLICATION_NAME");
        std::process::exit(2);
    };
    let config = DbConfig::from_url(url)
        .expect("url")
        .option("search_path", schema)
        .option("application_name", app)
        .alias("shutdown_on_signal");
    let db = Database::connect(config).await.expect("connect");
    db.query("INSERT INTO t (n) VALUES (1)").execute().await.expect("short write");
    let tx = db.begin().await.expect("begin");
    tx.query("INSERT INTO t (n) VALUES (2)").execute().await.expect("long write");
    let long = tokio::spawn(async move {
        tx.query("SELECT pg_sleep(600)").fetch_all().await?;
        tx.commit().await
    });
    let mut shutdown = Box::pin(PoolManager::global().close_all_on_signal(Duration::from_secs(1)));
    // One poll subscribes to SIGTERM (and Ctrl-C); only then may the parent send it.
    let early = std::future::poll_fn(|cx| std::task::Poll::Ready(shutdown.as_mut().poll(cx))).await;
    assert!(early.is_pending(), "closed before any signal");
    say("ready");
    let clean = shutdown.await;
    let long = match long.await.expect("no panic") {
        Ok(()) => "committed".to_owned(),
        Err(e) => format!("{:?}", e.kind()),
    };
    say(&format!("closed clean={clean} long={long}"));
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
