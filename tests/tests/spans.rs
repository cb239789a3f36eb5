//! dal's tracing spans, read by a recording subscriber: connect, acquire, each query (with
//! operation, table, SQL text without values, and rows) and each transaction, the parent of
//! its queries' spans. SQLite, so that it runs everywhere; the spans do not depend on the
//! backend.

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
struct Recorder(Arc<Mutex<Vec<SpanRecord>>>);

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
