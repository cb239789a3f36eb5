//! No password in any printed form: `Debug` (plain and `#`) of every handle, guard, config and
//! report, `Display` of configurations and errors, errors' source chains, the configuration
//! hash, the Prometheus text and every tracing event and span (all fields, TRACE level) of a
//! run that connects, fails to connect, queries, runs transactions and saves an entity, on
//! each backend.
//!
//! The secrets are unique per run: a MariaDB user created with one (and a failed connect with
//! another, wrong one), a PostgreSQL URL with one (the server trusts, so it is never checked
//! but must still never print), and a SQLite configuration with one. Every form checked is
//! counted, and the count must match the constants below, so a form skipped by accident fails
//! the test. A binary of its own: the tracing subscriber and the metrics recorder are
//! process-wide.

use std::error::Error as _;
use std::fmt::{Debug, Display};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dal::cluster::{ClusterConfig, ShardedDatabase};
use dal::pool::PoolManager;
use dal::{Backend, Database, DbConfig, Entity};
use metrics_exporter_prometheus::PrometheusBuilder;
use tests::TestDb;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Forms checked by [`exercise`] on one backend.
const EXERCISE_FORMS: usize = 47;
/// Forms checked by [`exercise_blocking`] on one backend.
const BLOCKING_FORMS: usize = 10;
/// Forms checked by [`exercise_cluster`] on one server backend.
const CLUSTER_FORMS: usize = 4;
/// Forms of the three failed connects with a wrong password (MariaDB).
const WRONG_PASSWORD_FORMS: usize = 12;
/// Forms of the malformed URL, the pool registry, the metrics text and the tracing buffer.
const COMMON_FORMS: usize = 10;

const MYSQL_FORMS: usize = EXERCISE_FORMS + BLOCKING_FORMS + CLUSTER_FORMS + WRONG_PASSWORD_FORMS;
const POSTGRES_FORMS: usize = EXERCISE_FORMS + BLOCKING_FORMS + CLUSTER_FORMS;
const SQLITE_FORMS: usize = EXERCISE_FORMS + BLOCKING_FORMS;

#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "redaction_notes")]
struct Note {
    #[dal(id)]
    id: i64,
    body: String,
}

/// A unique secret: `prefix` and a fresh UUID.
fn secret(prefix: &str) -> String {
    format!("{prefix}-{}", dal::types::Uuid::new_v4())
}

/// Every printed form, checked for every secret; leaks are collected and reported at once.
struct Forms {
    secrets: Vec<String>,
    checked: usize,
    leaks: Vec<String>,
}

impl Forms {
    fn new() -> Self {
        Forms { secrets: Vec::new(), checked: 0, leaks: Vec::new() }
    }

    /// A secret that must appear nowhere.
    fn secret(&mut self, prefix: &str) -> String {
        let s = secret(prefix);
        self.secrets.push(s.clone());
        s
    }

    /// One form.
    fn text(&mut self, label: &str, text: &str) {
        self.checked += 1;
        for s in &self.secrets {
            if text.contains(s.as_str()) {
                self.leaks.push(format!("{label} shows a password:\n{text}"));
            }
        }
    }

    /// `{:?}` and `{:#?}`: two forms.
    fn debug(&mut self, label: &str, value: &dyn Debug) {
        self.text(&format!("{label} {{:?}}"), &format!("{value:?}"));
        self.text(&format!("{label} {{:#?}}"), &format!("{value:#?}"));
    }

    /// `Display`: one form.
    fn display(&mut self, label: &str, value: &dyn Display) {
        self.text(&format!("{label} Display"), &value.to_string());
    }

    /// An error's `Display`, `{:?}`, `{:#?}` and its whole source chain (each cause's
    /// `Display` and `Debug`): four forms.
    fn error(&mut self, label: &str, e: &dal::Error) {
        self.display(label, e);
        self.debug(label, e);
        let mut chain = String::new();
        let mut cause = e.source();
        while let Some(c) = cause {
            chain.push_str(&format!("{c}\n{c:?}\n"));
            cause = c.source();
        }
        self.text(&format!("{label} source chain"), &chain);
    }

    /// Fails with every leak found.
    fn assert_clean(&self) {
        assert!(
            self.leaks.is_empty(),
            "{} leaks:\n\n{}",
            self.leaks.len(),
            self.leaks.join("\n\n")
        );
    }
}

/// Records every span (name, target, all fields, later records) and every event (target,
/// level, all fields) while switched on.
#[derive(Clone, Default)]
struct Recorder {
    on: Arc<AtomicBool>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn push(&self, line: String) {
        if self.on.load(Ordering::Acquire) {
            self.lines.lock().expect("recorder").push(line);
        }
    }

    fn text(&self) -> String {
        self.lines.lock().expect("recorder").join("\n")
    }
}

/// Every field as `name=value`, errors with their source chains.
#[derive(Default)]
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!(" {}={value}", field.name()));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.push_str(&format!(" {}={value} / {value:?}", field.name()));
        let mut cause = value.source();
        while let Some(c) = cause {
            self.0.push_str(&format!(" caused by {c} / {c:?}"));
            cause = c.source();
        }
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let meta = attrs.metadata();
        self.push(format!(
            "span {} {} #{}:{}",
            meta.target(),
            meta.name(),
            id.into_u64(),
            fields.0
        ));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        self.push(format!("record #{}:{}", id.into_u64(), fields.0));
    }

    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        self.push(format!("event {} {}:{}", meta.level(), meta.target(), fields.0));
    }
}

/// A MariaDB user of this test, dropped (on a runtime of its own) when this is dropped, so a
/// failing test leaves no user behind.
struct MariaUser {
    admin: DbConfig,
    name: String,
}

impl Drop for MariaUser {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!("DROP USER IF EXISTS '{}'@'%'", self.name);
        let worker = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let Ok(rt) = rt else { return };
            rt.block_on(async move {
                let Ok(pool) = dal::pool::Pool::new(admin) else { return };
                let db = Database::from_pool(pool);
                let _ = db.query(&sql).execute().await;
                db.pool().close(Duration::from_secs(1)).await;
            });
        });
        let _ = worker.join();
    }
}

/// Creates a user that may use only `database`, with `password`. The statement carries the
/// password as a literal in its SQL text (which dal records in spans by design), so it runs
/// on a private pool while nothing is recorded, and that pool is closed at once.
async fn create_maria_user(database: &str, password: &str) -> MariaUser {
    let url = tests::server_url(Backend::MySql).expect("network backend");
    let admin = DbConfig::from_url(&url)
        .expect("the MariaDB test URL parses")
        .alias(tests::unique_name("redaction_admin"))
        .max_connections(1);
    let name = tests::unique_name("dal_redact");
    let user = MariaUser { admin: admin.clone(), name: name.clone() };
    let db = Database::from_pool(dal::pool::Pool::new(admin).expect("admin pool"));
    db.query(&format!("CREATE USER '{name}'@'%' IDENTIFIED BY '{password}'"))
        .execute()
        .await
        .expect("create the user");
    db.query(&format!("GRANT ALL PRIVILEGES ON `{database}`.* TO '{name}'@'%'"))
        .execute()
        .await
        .expect("grant");
    db.pool().close(Duration::from_secs(1)).await;
    user
}

/// Connects, queries, fails a query, holds a connection, runs a transaction with a savepoint,
/// saves and finds an entity, and prints every handle, guard and report on the way:
/// [`EXERCISE_FORMS`] forms. `by_url` and `by_parts` are handles made with a password.
async fn exercise(f: &mut Forms, label: &str, by_url: &Database, by_parts: &Database) {
    let before = f.checked;
    let endpoint = by_url.config().endpoint();
    f.debug(&format!("{label} Database (URL)"), by_url);
    f.debug(&format!("{label} Database (parts)"), by_parts);
    let shown = format!("{by_url:?}");
    assert!(shown.contains(&endpoint), "Database's Debug names its endpoint: {shown}");
    assert!(shown.contains(&by_url.pool().hash().to_string()), "and its hash: {shown}");
    for (form, db) in [("URL", by_url), ("parts", by_parts)] {
        f.debug(&format!("{label} DbConfig ({form})"), db.config());
        f.display(&format!("{label} DbConfig ({form})"), db.config());
    }
    f.debug(&format!("{label} Pool"), by_url.pool());
    f.display(&format!("{label} ConfigHash"), &by_url.pool().hash());
    f.debug(&format!("{label} ConfigHash"), &by_url.pool().hash());

    let query = by_url.query("SELECT ?").bind(7_i64);
    f.debug(&format!("{label} Query"), &query);
    let row = query.fetch_one().await.expect("query");
    f.debug(&format!("{label} Row"), &row);
    let e = by_url.query("SELEC nothing").execute().await.expect_err("a syntax error");
    f.error(&format!("{label} query error"), &e);

    let conn = by_url.connection().await.expect("connection");
    conn.query("SELECT 1").fetch_all().await.expect("query on the connection");
    f.debug(&format!("{label} Connection"), &conn);
    drop(conn);
    let pooled = by_url.pool().acquire().await.expect("acquire");
    f.debug(&format!("{label} PooledConnection"), &pooled);
    drop(pooled);

    by_url.ensure_schema::<Note>().await.expect("schema");
    let repo = by_url.repo::<Note>();
    f.debug(&format!("{label} Repo"), &repo);
    let tx = by_url.begin().await.expect("begin");
    tx.repo::<Note>().save(&Note { id: 0, body: "in a transaction".into() }).await.expect("save");
    f.debug(&format!("{label} Transaction"), &tx);
    let savepoint = tx.begin().await.expect("savepoint");
    savepoint.repo::<Note>().save(&Note { id: 0, body: "savepoint".into() }).await.expect("save");
    let shown = format!("{savepoint:?}");
    assert!(shown.contains("transaction_depth: 2"), "a savepoint shows its depth: {shown}");
    f.debug(&format!("{label} Transaction (savepoint)"), &savepoint);
    savepoint.commit().await.expect("release");
    tx.commit().await.expect("commit");
    repo.save(&Note { id: 0, body: "outside".into() }).await.expect("save");
    let find = repo.find().limit(10);
    f.debug(&format!("{label} Find"), &find);
    assert_eq!(find.all().await.expect("find").len(), 3);

    f.debug(&format!("{label} PoolStatus"), &by_url.pool().status());
    f.debug(&format!("{label} PoolMetrics"), &by_url.pool().metrics());
    f.debug(&format!("{label} HealthReport"), &by_url.pool().health_report());
    f.debug(&format!("{label} ServerInfo"), &by_url.server_info().await.expect("server info"));

    let sharded = ShardedDatabase::hashed(vec![by_url.clone(), by_parts.clone()]).expect("shards");
    f.debug(&format!("{label} ShardedDatabase"), &sharded);
    let cluster = ClusterConfig::new(by_url.config()).replica(by_parts.config());
    f.debug(&format!("{label} ClusterConfig"), &cluster);
    assert_eq!(f.checked - before, EXERCISE_FORMS, "{label}: forms of the exercise");
}

/// A cluster of one primary made from `config`: the handle and its status, [`CLUSTER_FORMS`].
async fn exercise_cluster(f: &mut Forms, label: &str, config: DbConfig) {
    let before = f.checked;
    let config = config.alias(tests::unique_name("redaction_cluster"));
    let db = Database::connect_cluster(ClusterConfig::new(config)).await.expect("cluster");
    db.query("SELECT 1").fetch_all().await.expect("query on the cluster");
    f.debug(&format!("{label} Database (cluster)"), &db);
    f.debug(&format!("{label} ClusterStatus"), &db.cluster_status().expect("a cluster"));
    assert_eq!(f.checked - before, CLUSTER_FORMS, "{label}: forms of the cluster");
}

/// The blocking API with `config`: [`BLOCKING_FORMS`]. Called outside any async runtime (the
/// blocking API refuses to run inside one).
fn exercise_blocking(f: &mut Forms, label: &str, config: DbConfig) {
    let before = f.checked;
    let db = dal::blocking::Database::connect(config).expect("blocking connect");
    f.debug(&format!("{label} blocking::Database"), &db);
    let query = db.query("SELECT 1");
    f.debug(&format!("{label} blocking::Query"), &query);
    query.fetch_all().expect("blocking query");
    let tx = db.begin().expect("blocking begin");
    tx.query("SELECT 1").fetch_all().expect("query in the transaction");
    f.debug(&format!("{label} blocking::Transaction"), &tx);
    tx.rollback().expect("rollback");
    let conn = db.connection().expect("blocking connection");
    f.debug(&format!("{label} blocking::Connection"), &conn);
    drop(conn);
    f.debug(&format!("{label} blocking::Repo"), &db.repo::<Note>());
    assert_eq!(f.checked - before, BLOCKING_FORMS, "{label}: forms of the blocking API");
}

/// A fresh alias: a pool of its own, so the handle really connects with its password (the
/// registry would otherwise hand out another configuration's pool with the same hash).
fn fresh() -> String {
    tests::unique_name("redaction")
}

#[test]
fn no_password_in_any_printed_form() {
    let metrics = PrometheusBuilder::new().install_recorder().expect("the only recorder");
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(recorder.clone()))
        .expect("the only subscriber of this binary");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut f = Forms::new();
    let mut expected = COMMON_FORMS;

    // Set-up, not recorded: isolated databases, and the MariaDB user made with its password.
    let mysql_secret = f.secret("S3cr3t");
    let wrong_secret = f.secret("Wr0ng");
    let pg_secret = f.secret("PgS3cr3t");
    let sqlite_secret = f.secret("SqS3cr3t");
    let url_secret = f.secret("UrlS3cr3t");
    let maria = rt.block_on(TestDb::open(Backend::MySql, "redaction"));
    let pg = rt.block_on(TestDb::open(Backend::Postgres, "redaction"));
    let maria_user = maria.as_ref().map(|db| {
        let database = db.config().database_name().expect("a database").to_owned();
        rt.block_on(create_maria_user(&database, &mysql_secret))
    });
    recorder.on.store(true, Ordering::Release);

    if let (Some(maria), Some(user)) = (&maria, &maria_user) {
        expected += MYSQL_FORMS;
        let base = maria.config();
        let host = base.host_name().expect("a host").to_owned();
        let port = base.port_number().expect("a port");
        let database = base.database_name().expect("a database").to_owned();
        let user = user.name.clone();
        let url = |password: &str| {
            format!("mysql://{user}:{password}@{host}:{port}/{database}?alias={}", fresh())
        };
        let parts = |password: &str| {
            DbConfig::new(Backend::MySql)
                .host(&host)
                .port(port)
                .database(&database)
                .user(&user)
                .password(password)
                .alias(fresh())
                .connect_timeout(Duration::from_secs(5))
        };
        rt.block_on(async {
            let by_url = Database::connect(url(&mysql_secret)).await.expect("connect by URL");
            let by_parts = Database::connect(parts(&mysql_secret)).await.expect("by parts");
            exercise(&mut f, "mysql", &by_url, &by_parts).await;
            exercise_cluster(&mut f, "mysql", parts(&mysql_secret)).await;
            let e = Database::connect(parts(&wrong_secret)).await.expect_err("wrong password");
            f.error("mysql failed connect (parts)", &e);
            let e = Database::connect(url(&wrong_secret)).await.expect_err("wrong password");
            f.error("mysql failed connect (URL)", &e);
        });
        exercise_blocking(&mut f, "mysql", parts(&mysql_secret));
        let e = dal::blocking::Database::connect(parts(&wrong_secret)).expect_err("wrong password");
        f.error("mysql failed blocking connect", &e);
    }

    if let Some(pg) = &pg {
        expected += POSTGRES_FORMS;
        let base = pg.config();
        let user = base.user_name().unwrap_or("postgres").to_owned();
        let endpoint = base.endpoint();
        let database = base.database_name().expect("a database").to_owned();
        let schema = base.options().get("search_path").expect("the test's schema").clone();
        let url = format!(
            "postgres://{user}:{pg_secret}@{endpoint}/{database}?search_path={schema}&alias={}",
            fresh()
        );
        let parts = || pg.fresh_config().password(&pg_secret);
        rt.block_on(async {
            let by_url = Database::connect(url.as_str()).await.expect("connect by URL");
            let by_parts = Database::connect(parts()).await.expect("connect by parts");
            exercise(&mut f, "postgres", &by_url, &by_parts).await;
            exercise_cluster(&mut f, "postgres", parts()).await;
        });
        exercise_blocking(&mut f, "postgres", parts());
    }

    expected += SQLITE_FORMS;
    let sqlite = || {
        DbConfig::new(Backend::Sqlite).database(":memory:").password(&sqlite_secret).alias(fresh())
    };
    rt.block_on(async {
        let by_url = Database::connect(format!("sqlite::memory:?alias={}", fresh()))
            .await
            .expect("connect by URL");
        let by_parts = Database::connect(sqlite()).await.expect("connect by parts");
        exercise(&mut f, "sqlite", &by_url, &by_parts).await;
    });
    exercise_blocking(&mut f, "sqlite", sqlite());

    // A URL that does not parse, with a password in it; alone and inside a cluster's config.
    let malformed = format!("postgres://app:{url_secret}@db.internal:notaport/shop");
    let e = DbConfig::from_url(&malformed).expect_err("an invalid port");
    f.error("malformed URL", &e);
    f.debug("ClusterConfig (malformed URL)", &ClusterConfig::new(malformed.as_str()));
    f.debug("PoolManager", PoolManager::global());

    recorder.on.store(false, Ordering::Release);
    f.text("Prometheus text", &metrics.render());
    let traced = recorder.text();
    for expected_line in ["db.connect", "db.acquire", "db.query", "db.transaction", "sqlx::query"] {
        assert!(traced.contains(expected_line), "the recorder saw {expected_line}:\n{traced}");
    }
    f.text("tracing events and spans", &traced);

    f.assert_clean();
    assert_eq!(f.checked, expected, "every form was checked");
    rt.block_on(PoolManager::global().close_all(Duration::from_secs(2)));
    drop(maria_user);
    drop((maria, pg));
}
