//! dal's tracing spans and log lines, read by a recording subscriber: connect, acquire, each
//! query (with operation, table, SQL text without values, and rows) and each transaction, the
//! parent of its queries' spans; no bound value in any span or log line on any backend (through
//! PgBouncer too, where values travel inside the statement text); and the warning MySQL's
//! implicit commit before DDL gets.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone)]
struct SpanRecord {
    id: u64,
    name: &'static str,
    parent: Option<&'static str>,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<SpanRecord>>>, Arc<Mutex<Vec<EventRecord>>>);

/// A log line: its level and fields (the message under `message`).
#[derive(Debug, Clone)]
struct EventRecord {
    level: tracing::Level,
    fields: BTreeMap<String, String>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.name());
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let name = attrs.metadata().name();
        let record = SpanRecord { id: id.into_u64(), name, parent, fields };
        self.0.lock().expect("spans").push(record);
    }

    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let record = EventRecord { level: *event.metadata().level(), fields };
        self.1.lock().expect("events").push(record);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.0.lock().expect("spans");
        if let Some(span) = spans.iter_mut().rev().find(|s| s.id == id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn connect_acquire_query_and_transaction_have_spans() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let db = dal::Database::connect("sqlite::memory:").await.expect("connect");
    db.query("CREATE TABLE t (id INTEGER, secret TEXT)").execute().await.expect("create");
    let tx = db.begin().await.expect("begin");
    tx.query("INSERT INTO t (id, secret) VALUES (?, ?)")
        .bind(1_i64)
        .bind("secret-value")
        .execute()
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let rows = db.query("SELECT id FROM t").fetch_all().await.expect("select");
    assert_eq!(rows.len(), 1);

    let spans = recorder.0.lock().expect("spans").clone();
    let named = |name: &str| spans.iter().filter(|s| s.name == name).cloned().collect::<Vec<_>>();
    let connect = named("db.connect");
    assert!(!connect.is_empty(), "{spans:#?}");
    assert_eq!(connect[0].fields.get("db.system").map(String::as_str), Some("sqlite"));
    assert!(!named("db.acquire").is_empty());
    assert_eq!(named("db.transaction").len(), 1);

    let queries = named("db.query");
    let insert = queries
        .iter()
        .find(|s| s.fields.get("db.operation.name").map(String::as_str) == Some("INSERT"))
        .expect("the insert's span");
    assert_eq!(insert.fields.get("db.collection.name").map(String::as_str), Some("t"));
    assert_eq!(insert.fields.get("db.response.returned_rows").map(String::as_str), Some("1"));
    assert_eq!(insert.parent, Some("db.transaction"), "a transaction's statement is its child");
    let text = insert.fields.get("db.query.text").expect("SQL text");
    assert!(text.contains("VALUES (?, ?)"), "{text}");
    for span in &spans {
        for value in span.fields.values() {
            assert!(!value.contains("secret-value"), "a bound value reached a span: {span:?}");
        }
    }
    let select = queries
        .iter()
        .find(|s| s.fields.get("db.operation.name").map(String::as_str) == Some("SELECT"))
        .expect("the select's span");
    assert_eq!(select.parent, None, "outside a transaction a statement has no parent here");
    assert_eq!(select.fields.get("db.response.returned_rows").map(String::as_str), Some("1"));
}

/// Every span field and log line recorded, for looking for a value.
fn everything(recorder: &Recorder) -> Vec<String> {
    let spans = recorder.0.lock().expect("spans");
    let events = recorder.1.lock().expect("events");
    let span_values = spans.iter().flat_map(|s| s.fields.values().cloned());
    span_values.chain(events.iter().flat_map(|e| e.fields.values().cloned())).collect()
}

/// README: "Values are always bound …, never spliced": the SQL text in spans is the text as
/// written, with `?`, so no bound value reaches a span or a log line: not a plain statement's,
/// not a failing one's, not an entity's, and not behind a transaction pooler (where dal writes
/// the values into the text it sends).
async fn no_bound_value_reaches_a_span(target: tests::Target) {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let Some(db) = tests::TestDb::open(target, "span_values").await else { return };
    db.query("CREATE TABLE t (id INTEGER PRIMARY KEY, secret TEXT)").execute().await.expect("t");
    let secret = "s3cret-bound-value";
    db.query("INSERT INTO t (id, secret) VALUES (?, ?)")
        .bind(1_i64)
        .bind(secret)
        .execute()
        .await
        .expect("insert");
    let found = db
        .query("SELECT id FROM t WHERE secret = ?")
        .bind(secret)
        .fetch_all()
        .await
        .expect("select");
    assert_eq!(found.len(), 1);
    let e = db
        .query("INSERT INTO t (id, secret) VALUES (?, ?)")
        .bind(1_i64)
        .bind(secret)
        .execute()
        .await
        .expect_err("duplicate key");
    assert_eq!(e.kind(), dal::ErrorKind::Constraint, "{e}");
    let tx = db.begin().await.expect("begin");
    tx.query("UPDATE t SET secret = ? WHERE id = ?")
        .bind(secret)
        .bind(1_i64)
        .execute()
        .await
        .expect("update");
    tx.commit().await.expect("commit");
    let texts = everything(&recorder);
    assert!(
        texts.iter().any(|t| t.contains("WHERE secret = ?") || t.contains("WHERE secret = $1")),
        "the statements' spans were recorded: {texts:#?}"
    );
    for text in &texts {
        assert!(!text.contains(secret), "{target:?}: a bound value reached a span or log: {text}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_bound_value_in_spans_on_postgres() {
    no_bound_value_reaches_a_span(tests::Target::Postgres).await;
}

#[tokio::test(flavor = "current_thread")]
async fn no_bound_value_in_spans_on_mysql() {
    no_bound_value_reaches_a_span(tests::Target::MySql).await;
}

#[tokio::test(flavor = "current_thread")]
async fn no_bound_value_in_spans_on_sqlite() {
    no_bound_value_reaches_a_span(tests::Target::Sqlite).await;
}

#[tokio::test(flavor = "current_thread")]
async fn no_bound_value_in_spans_through_pgbouncer() {
    no_bound_value_reaches_a_span(tests::Target::PgBouncer).await;
}

/// README: "dal logs a warning when DDL runs inside a transaction" on MySQL/MariaDB, whose DDL
/// commits the transaction first; the same DDL outside a transaction, and on PostgreSQL inside
/// one, logs nothing.
async fn ddl_warnings(target: tests::Target) -> Option<Vec<String>> {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let db = tests::TestDb::open(target, "ddl_warning").await?;
    db.query("CREATE TABLE outside (n INTEGER)").execute().await.expect("DDL outside");
    let tx = db.begin().await.expect("begin");
    tx.query("CREATE TABLE inside (n INTEGER)").execute().await.expect("DDL inside");
    tx.rollback().await.expect("rollback");
    let events = recorder.1.lock().expect("events");
    let warnings = events
        .iter()
        .filter(|e| e.level == tracing::Level::WARN)
        .filter_map(|e| e.fields.get("message").cloned())
        .filter(|m| m.contains("DDL"))
        .collect();
    Some(warnings)
}

#[tokio::test(flavor = "current_thread")]
async fn mysql_ddl_inside_a_transaction_logs_a_warning() {
    let Some(warnings) = ddl_warnings(tests::Target::MySql).await else { return };
    assert_eq!(
        warnings,
        vec![
            "DDL inside a transaction: mysql commits the transaction before it, so a later rollback cannot undo the work done so far"
                .to_owned()
        ],
        "one warning, for the DDL inside the transaction"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn postgres_ddl_inside_a_transaction_logs_no_warning() {
    let Some(warnings) = ddl_warnings(tests::Target::Postgres).await else { return };
    assert_eq!(warnings, Vec::<String>::new());
}
