//! The web service's handlers as services with a transaction each, under load, on every
//! backend: 1,000 concurrent `POST /notes`, each `Notes::create` (an `#[auto_transaction]`
//! service method calling the `Journal` service's), through real HTTP. No request sees another's
//! uncommitted rows (`Notes::create` fails when it does), every one commits, and the pool ends
//! all idle.

use std::time::Duration;

use dal::{Backend, Database};
use examples::web_service::{self, JournalEntry, NewNote, Note};
use reqwest::StatusCode;
use tests::TestDb;

const REQUESTS: usize = 1_000;

async fn thousand_concurrent_requests(backend: Backend) {
    let Some(test_db) = TestDb::open(backend, "web_concurrent").await else { return };
    let db: Database = test_db.db().clone();
    web_service::ensure_schema(&db).await.expect("tables");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web_service::serve(listener, db.clone(), None, async move {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let requests: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let (client, url) = (client.clone(), format!("{base}/notes"));
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .json(&NewNote { text: format!("note {i}") })
                    .send()
                    .await
                    .expect("POST /notes");
                let status = response.status();
                (status, response.text().await.expect("body"))
            })
        })
        .collect();
    for request in requests {
        let (status, body) = request.await.expect("request task");
        assert_eq!(status, StatusCode::CREATED, "{backend}: {body}");
    }

    let status = tests::until_all_idle(&db).await;
    assert_eq!(status.in_use, 0, "{backend}: every connection is back: {status:?}");
    let notes = db.repo::<Note>().count().await.expect("count notes");
    let journal = db.repo::<JournalEntry>();
    let closed = journal
        .find()
        .filter(JournalEntry::STATE.eq("closed"))
        .count()
        .await
        .expect("count closed");
    let open = journal.find().filter(JournalEntry::STATE.eq("open")).count().await.expect("open");
    assert_eq!((notes, closed, open), (REQUESTS as i64, REQUESTS as i64, 0), "{backend}");

    stop.send(()).expect("the server runs");
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("serve ends")
        .expect("serve did not panic")
        .expect("serve ended without an I/O error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_thousand_concurrent_requests_each_in_its_own_transaction() {
    thousand_concurrent_requests(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_thousand_concurrent_requests_each_in_its_own_transaction() {
    thousand_concurrent_requests(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_thousand_concurrent_requests_each_in_its_own_transaction() {
    thousand_concurrent_requests(Backend::MySql).await;
}
