//! The web service over real HTTP: each test starts it on a free loopback port with its own
//! SQLite file and talks to it with an HTTP client.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use dal::{Backend, Database, DbConfig, ErrorKind};
use examples::web_service::{self, ErrorBody, NewNote, Note, status_for};
use metrics_exporter_prometheus::PrometheusHandle;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The process-wide recorder, installed once for every test in this binary, before any pool.
fn metrics() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| web_service::install_metrics().expect("install the Prometheus recorder"))
        .clone()
}

/// A running service.
struct Service {
    base: String,
    client: reqwest::Client,
    db: Database,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    dir: PathBuf,
}

impl Service {
    /// Starts the service on `127.0.0.1:0` over a new SQLite file in a temporary directory.
    async fn start() -> Service {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let metrics = metrics();
        let dir = std::env::temp_dir().join(format!(
            "dal-web-service-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create the temporary directory");
        let file = dir.join("notes.db");
        let config = DbConfig::new(Backend::Sqlite)
            .database(file.to_str().expect("temporary path is UTF-8"));
        let db = Database::connect(config).await.expect("open SQLite");
        web_service::ensure_schema(&db).await.expect("create the tables");

        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(web_service::serve(listener, db.clone(), Some(metrics), shutdown));
        Service {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            db,
            stop: Some(stop),
            task: Some(task),
            dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn create(&self, text: &str) -> Note {
        let response = self
            .client
            .post(self.url("/notes"))
            .json(&NewNote { text: text.into() })
            .send()
            .await
            .expect("POST /notes");
        assert_eq!(response.status(), StatusCode::CREATED);
        let note: Value = response.json().await.expect("JSON body");
        note_from(&note)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.client.get(self.url(path)).send().await.expect("GET");
        let status = response.status();
        (status, response.json().await.expect("JSON body"))
    }

    /// Triggers the shutdown future and waits for `serve` to return (the deadline only turns
    /// a hang into a failure).
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).expect("serve is still running");
        }
        let task = self.task.take().expect("stopped once");
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("serve ended after the shutdown signal")
            .expect("serve did not panic")
            .expect("serve ended without an I/O error");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A note from its JSON form, checking the fields are there with the right types.
fn note_from(json: &Value) -> Note {
    let field = |name: &str| json.get(name).unwrap_or_else(|| panic!("note has `{name}`: {json}"));
    Note {
        id: field("id").as_str().expect("id is a string").parse().expect("id is a UUID"),
        text: field("text").as_str().expect("text is a string").to_owned(),
        created_at: field("created_at")
            .as_str()
            .expect("created_at is a string")
            .parse()
            .expect("created_at is RFC 3339"),
        deleted_at: match field("deleted_at") {
            Value::Null => None,
            other => {
                Some(other.as_str().expect("deleted_at is a string").parse().expect("RFC 3339"))
            }
        },
    }
}

fn error_from(json: &Value) -> ErrorBody {
    serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("an error body: {json}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_list_delete_then_get_is_404() {
    let service = Service::start().await;

    let first = service.create("first note").await;
    assert!(!first.id.is_nil(), "the id is generated on save");
    assert_eq!(first.text, "first note");
    assert_eq!(first.deleted_at, None);
    let second = service.create("second note").await;

    let (status, body) = service.get(&format!("/notes/{}", first.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(note_from(&body), first);

    let (status, body) = service.get("/notes").await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<Note> = body.as_array().expect("a JSON array").iter().map(note_from).collect();
    assert_eq!(listed, vec![second.clone(), first.clone()], "newest first");

    let deleted = service
        .client
        .delete(service.url(&format!("/notes/{}", first.id)))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(deleted.content_length(), Some(0));

    let (status, body) = service.get(&format!("/notes/{}", first.id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let error = error_from(&body);
    assert_eq!(error.error, "not_found");
    assert!(error.message.contains(&first.id.to_string()), "{error:?}");

    let again = service
        .client
        .delete(service.url(&format!("/notes/{}", first.id)))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "a deleted note cannot be deleted again");

    let (_, body) = service.get("/notes").await;
    let listed: Vec<Note> = body.as_array().expect("a JSON array").iter().map(note_from).collect();
    assert_eq!(listed, vec![second], "the deleted note is no longer listed");

    // Soft delete: the row is still in the table, with deleted_at set.
    let kept = service.db.repo::<Note>().get_including_deleted(first.id).await.expect("read");
    assert!(kept.is_some_and(|n| n.deleted_at.is_some()), "soft-deleted, not removed");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_json_errors() {
    let service = Service::start().await;

    let not_json = service
        .client
        .post(service.url("/notes"))
        .header("content-type", "application/json")
        .body("{\"txt\": 1}")
        .send()
        .await
        .expect("POST");
    assert!(not_json.status().is_client_error(), "{}", not_json.status());
    let error = error_from(&not_json.json().await.expect("JSON body"));
    assert_eq!(error.error, "invalid_body");

    let (status, body) = service.get("/notes/not-a-uuid").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_from(&body).error, "invalid_id");

    let (status, body) = service.get(&format!("/notes/{}", dal::types::Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_from(&body).error, "not_found");

    let (status, body) = service.get("/no/such/route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_from(&body).error, "not_found");
    service.stop().await;
}

#[test]
fn error_kinds_map_to_statuses() {
    let expected = [
        (ErrorKind::NotFound, 404),
        (ErrorKind::Constraint, 409),
        (ErrorKind::Conflict, 409),
        (ErrorKind::Timeout, 503),
        (ErrorKind::PoolTimeout, 503),
        (ErrorKind::PoolExhausted, 503),
        (ErrorKind::CircuitOpen, 503),
        (ErrorKind::Data, 400),
        (ErrorKind::Parameters, 400),
        (ErrorKind::Syntax, 500),
        (ErrorKind::Connection, 500),
        (ErrorKind::Closed, 500),
        (ErrorKind::Other, 500),
    ];
    for (kind, status) in expected {
        assert_eq!(status_for(kind).as_u16(), status, "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_score_and_signal() {
    let service = Service::start().await;
    service.create("for the health report").await;

    let (status, report) = service.get("/health").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let score = report.get("score").and_then(Value::as_u64).expect("a numeric score");
    assert!((50..=100).contains(&score), "a healthy pool scores at least 50: {report}");
    let signal = report.get("signal").and_then(Value::as_str).expect("a signal string");
    assert!(
        ["normal", "review_slow_queries", "scale_vertically", "scale_horizontally"]
            .contains(&signal),
        "{report}"
    );
    assert_eq!(signal, "normal", "an idle pool needs nothing: {report}");
    assert_eq!(report.get("backend").and_then(Value::as_str), Some("sqlite"), "{report}");
    assert!(report.get("recommendations").is_some_and(Value::is_array), "{report}");
    service.stop().await;
}

/// One sample line of the Prometheus text format: `name{labels} value [timestamp]`.
fn check_sample_line(line: &str) -> &str {
    let (series, rest) = match line.find('{') {
        Some(open) => {
            let close = line.rfind('}').unwrap_or_else(|| panic!("unclosed labels: {line}"));
            (&line[..open], line[close + 1..].trim())
        }
        None => line
            .split_once(' ')
            .map(|(n, v)| (n, v.trim()))
            .unwrap_or_else(|| panic!("no value: {line}")),
    };
    assert!(
        !series.is_empty()
            && series.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !series.starts_with(|c: char| c.is_ascii_digit()),
        "bad metric name in {line}"
    );
    let value = rest.split_whitespace().next().unwrap_or_else(|| panic!("no value: {line}"));
    let parsed = match value {
        "+Inf" | "-Inf" | "NaN" => true,
        v => v.parse::<f64>().is_ok(),
    };
    assert!(parsed, "value {value:?} is not a number in {line}");
    series
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_prometheus_text_with_dal_metrics() {
    let service = Service::start().await;
    let note = service.create("counted").await;
    for _ in 0..3 {
        assert_eq!(service.get(&format!("/notes/{}", note.id)).await.0, StatusCode::OK);
        assert_eq!(service.get("/notes").await.0, StatusCode::OK);
    }

    let response = service.client.get(service.url("/metrics")).send().await.expect("GET /metrics");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert!(
        content_type.as_deref().is_some_and(|t| t.starts_with("text/plain")),
        "{content_type:?}"
    );
    let text = response.text().await.expect("a text body");

    // Every line is a comment (`# TYPE name kind`, `# HELP ...`), blank, or a sample.
    let mut typed = Vec::new();
    let mut sampled = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.split_whitespace().collect();
            if words.first() == Some(&"TYPE") {
                assert_eq!(words.len(), 3, "`# TYPE name kind`: {line}");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&words[2]),
                    "{line}"
                );
                typed.push(words[1].to_owned());
            }
        } else if !line.trim().is_empty() {
            sampled.push(check_sample_line(line).to_owned());
        }
    }

    // The same text through a parser of the format.
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .expect("parses as Prometheus text");
    assert!(!scrape.samples.is_empty(), "{text}");

    for name in ["db_client_operation_duration", "db_client_connection_count"] {
        assert!(typed.iter().any(|t| t == name), "`# TYPE {name}` in\n{text}");
        assert!(
            sampled.iter().any(|s| s == name || s.starts_with(&format!("{name}_"))),
            "a {name} sample in\n{text}"
        );
    }
    let sqlite_operation = scrape.samples.iter().any(|s| {
        s.metric.starts_with("db_client_operation_duration")
            && s.labels.get("db_system") == Some("sqlite")
    });
    assert!(sqlite_operation, "an operation duration labelled db_system=\"sqlite\" in\n{text}");
    let pool_named = scrape
        .samples
        .iter()
        .filter(|s| s.metric.starts_with("db_client_"))
        .all(|s| s.labels.get("db_client_connection_pool_name").is_some());
    assert!(pool_named, "every dal metric names its pool:\n{text}");
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_future_ends_serve_and_closes_the_pool() {
    let service = Service::start().await;
    service.create("before shutdown").await;
    let (status, _) = service.get("/health").await;
    assert_eq!(status, StatusCode::OK);

    let base = service.base.clone();
    let db = service.db.clone();
    service.stop().await;
    assert!(db.pool().is_closed(), "serve closes its database's pool");

    let after = reqwest::Client::new().get(format!("{base}/health")).send().await;
    assert!(after.is_err(), "nothing listens after shutdown: {after:?}");
}
