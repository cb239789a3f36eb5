//! Conduit on every backend: the RealWorld project's own Postman collection run unchanged with
//! Newman against the built `conduit` binary, and checks of what the collection cannot see
//! (statements per list, revisions, soft delete, unique indexes) against the router in-process.
//!
//! Each test gets an isolated database (`tests::TestDb`: a PostgreSQL schema, a MariaDB
//! database, an SQLite file). Newman comes from the npm registry through `npx` (`.ci/run` fills
//! npm's cache); without it the Newman tests print why and skip, unless `DAL_REQUIRE_SERVERS`
//! is set, as for an unreachable server.

use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use dal::{Backend, Database, ErrorKind};
use examples::conduit::config::Config;
use examples::conduit::entities::{Article, User, UserId};
use examples::conduit::{router, schema};
use examples::serving;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::TestDb;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The collection, copied unchanged from the RealWorld repository.
const COLLECTION: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/realworld/Conduit.postman_collection.json");

/// The key the servers under test sign tokens with.
const SECRET: &str = "conduit-test-secret";

/// Newman's version, or why it cannot run: asked once per test process (the first call may
/// download it into npm's cache).
fn newman() -> &'static Result<String, String> {
    static NEWMAN: OnceLock<Result<String, String>> = OnceLock::new();
    NEWMAN.get_or_init(|| {
        let output = std::process::Command::new("npx")
            .args(["--yes", "newman@6", "--version"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run npx (is Node.js installed?): {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        } else {
            Err(format!(
                "`npx --yes newman@6 --version` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    })
}

/// Whether Newman can run; otherwise prints why and returns false, or fails when servers (and
/// so the tools their suites need) are required.
fn newman_or_skip(backend: Backend) -> bool {
    match newman() {
        Ok(_) => true,
        Err(why) if tests::servers_required() => {
            panic!("{why} ({} makes this a failure)", tests::required_by())
        }
        Err(why) => {
            tests::announce(&format!(
                "skipping the {backend} RealWorld suite: {why} ({}; set it to 1 to fail instead)",
                tests::required_by()
            ));
            false
        }
    }
}

/// The `conduit` binary, running on a free loopback port.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts the binary over `db_url` on port 0, reads the address it announces, and waits
    /// until `/health` answers 200.
    async fn start(db_url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_conduit"))
            .env("DB_URL", db_url)
            .env("BIND", "127.0.0.1:0")
            .env("JWT_SECRET", SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the conduit binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let announced = async {
            while let Some(line) = lines.next_line().await.expect("read conduit's output") {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    return addr.to_owned();
                }
            }
            panic!("conduit ended before it listened (its errors are above)");
        };
        let base = tokio::time::timeout(Duration::from_secs(120), announced)
            .await
            .expect("conduit listens within 2 minutes");
        // Keep reading what it prints, so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let server = Server { child, base };
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        let url = format!("{}/health", self.base);
        for _ in 0..300 {
            if let Ok(response) = client.get(&url).send().await
                && response.status() == StatusCode::OK
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{url} never answered 200");
    }

    /// Stops it with SIGTERM, as an orchestrator would, and checks that it shut down cleanly.
    async fn stop(mut self) {
        let pid = self.child.id().expect("conduit is still running");
        let signalled = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(signalled.success(), "kill -TERM {pid}: {signalled}");
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("conduit stops within a minute of SIGTERM")
            .expect("wait for conduit");
        assert!(status.success(), "conduit exits cleanly after SIGTERM: {status}");
    }
}

/// Runs the collection against `base`: Newman's exit status, its assertion counts and the
/// names of the failed ones, and its output.
async fn run_collection(base: &str) -> (std::process::ExitStatus, Value, String) {
    let user = tests::unique_name("conduit");
    let report = std::env::temp_dir().join(format!("{user}-newman.json"));
    let output = Command::new("npx")
        .args(["--yes", "newman@6", "run", COLLECTION, "--color", "off"])
        .args(["--reporters", "cli,json", "--reporter-json-export"])
        .arg(&report)
        .args(["--global-var", &format!("APIURL={base}/api")])
        .args(["--global-var", &format!("USERNAME={user}")])
        .args(["--global-var", &format!("EMAIL={user}@example.com")])
        .args(["--global-var", "PASSWORD=a long password"])
        .stdin(Stdio::null())
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), output)
        .await
        .expect("newman finishes within 5 minutes")
        .expect("run newman");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let json = std::fs::read_to_string(&report)
        .map(|r| serde_json::from_str(&r).expect("newman's JSON report parses"))
        .unwrap_or(Value::Null);
    let _ = std::fs::remove_file(&report);
    (output.status, json, text)
}

/// The collection passes unchanged: Newman exits 0 and no assertion fails.
async fn realworld_postman_collection_passes(backend: Backend) {
    if !newman_or_skip(backend) {
        return;
    }
    let Some(db) = TestDb::open(backend, "conduit_newman").await else { return };
    let server = Server::start(db.url()).await;
    let (status, report, output) = run_collection(&server.base).await;

    let stats = &report["run"]["stats"];
    let failures: Vec<String> = report["run"]["failures"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|f| format!("{}: {}", f["source"]["name"], f["error"]["message"]))
                .collect()
        })
        .unwrap_or_default();
    assert!(status.success(), "{backend}: newman failed ({status}): {failures:#?}\n{output}");
    assert_eq!(stats["assertions"]["failed"], json!(0), "{backend}: {failures:#?}\n{output}");
    assert_eq!(stats["requests"]["failed"], json!(0), "{backend}: {output}");
    let total = stats["assertions"]["total"].as_u64().unwrap_or(0);
    assert!(total >= 300, "{backend}: the whole collection ran ({total} assertions)\n{output}");
    server.stop().await;
}

/// The router in-process over a pool of its own, so that the pool's `statements` metric
/// counts only what the requests ran.
struct App {
    db: Database,
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl App {
    async fn start(test_db: &TestDb) -> App {
        schema::ensure_schema(test_db).await.expect("the schema");
        let db = test_db.connect(test_db.fresh_config()).await.expect("a pool of its own");
        let config = Config::new(test_db.url(), "127.0.0.1:0", SECRET.as_bytes());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(db.clone(), &config, None);
        let served = db.clone();
        let task = tokio::spawn(async move {
            serving::serve(listener, app, &served, None, async move {
                let _ = stopped.await;
            })
            .await
        });
        App { db, base, client: reqwest::Client::new(), stop: Some(stop), task: Some(task) }
    }

    /// Sends a request as `token`'s user (anonymous without one): the status and JSON body.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}/api{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Token {token}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the request is answered");
        let status = response.status();
        let text = response.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }

    async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, path, Some(token), Some(body)).await
    }

    async fn delete(&self, path: &str, token: &str) -> StatusCode {
        self.call(reqwest::Method::DELETE, path, Some(token), None).await.0
    }

    /// Registers `name`; its token.
    async fn register(&self, name: &str) -> String {
        let body = json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "pw"}});
        let (status, user) = self.post("/users", None, body).await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        user["user"]["token"].as_str().expect("a token").to_owned()
    }

    /// Writes an article as `token`'s user; its slug.
    async fn write(&self, token: &str, title: &str) -> String {
        let body = json!({"article": {"title": title, "description": "d", "body": "b", "tagList": ["dal", "rust"]}});
        let (status, article) = self.post("/articles", Some(token), body).await;
        assert_eq!(status, StatusCode::CREATED, "{article}");
        article["article"]["slug"].as_str().expect("a slug").to_owned()
    }

    /// The statements `path` ran, and its answer.
    async fn statements(&self, path: &str, token: Option<&str>) -> (u64, Value) {
        let before = self.db.pool().metrics().statements;
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        (self.db.pool().metrics().statements - before, body)
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = self.task.take().expect("stopped once");
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("serve ends after the shutdown signal")
            .expect("serve did not panic")
            .expect("serve ended without an I/O error");
    }
}

/// `GET /api/articles` and the feed run as many statements for a page of 20 articles as for a
/// page of 1: the authors, tags, favorite counts, the viewer's favorites and follows are loaded
/// for the whole page at once.
async fn a_page_of_20_articles_takes_as_many_statements_as_a_page_of_1(backend: Backend) {
    let Some(test_db) = TestDb::open(backend, "conduit_statements").await else { return };
    let app = App::start(&test_db).await;
    let writer = app.register("writer").await;
    let reader = app.register("reader").await;
    let (status, _) = app.post("/profiles/writer/follow", Some(&reader), json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let first = app.write(&writer, "Article 0").await;
    let (status, _) =
        app.post(&format!("/articles/{first}/favorite"), Some(&reader), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (one_signed_in, page) = app.statements("/articles", Some(&reader)).await;
    assert_eq!(page["articles"].as_array().map(Vec::len), Some(1), "{page}");
    let (one_anonymous, _) = app.statements("/articles", None).await;
    let (one_feed, feed) = app.statements("/articles/feed", Some(&reader)).await;
    assert_eq!(feed["articles"].as_array().map(Vec::len), Some(1), "{feed}");

    for i in 1..20 {
        let slug = app.write(&writer, &format!("Article {i}")).await;
        if i % 2 == 0 {
            let path = format!("/articles/{slug}/favorite");
            assert_eq!(app.post(&path, Some(&reader), json!({})).await.0, StatusCode::OK);
        }
    }
    let (twenty_signed_in, page) = app.statements("/articles", Some(&reader)).await;
    let articles = page["articles"].as_array().expect("articles");
    assert_eq!(articles.len(), 20, "{page}");
    assert_eq!(page["articlesCount"], json!(20));
    let favorited = articles.iter().filter(|a| a["favorited"] == json!(true)).count();
    assert_eq!(favorited, 10, "Article 0 and the 9 with an even number: {page}");
    assert!(articles.iter().all(|a| a["author"]["following"] == json!(true)), "{page}");
    assert!(articles.iter().all(|a| a["tagList"] == json!(["dal", "rust"])), "{page}");
    let (twenty_anonymous, _) = app.statements("/articles", None).await;
    let (twenty_feed, feed) = app.statements("/articles/feed", Some(&reader)).await;
    assert_eq!(feed["articles"].as_array().map(Vec::len), Some(20), "{feed}");

    assert_eq!(twenty_signed_in, one_signed_in, "{backend}: signed in, 20 articles against 1");
    assert_eq!(twenty_anonymous, one_anonymous, "{backend}: anonymous, 20 articles against 1");
    assert_eq!(twenty_feed, one_feed, "{backend}: the feed, 20 articles against 1");
    // The count, the page, authors, taggings, tags, favorite counts; signed in also the
    // viewer's favorites and follows.
    assert_eq!((one_anonymous, one_signed_in, one_feed), (6, 8, 8), "{backend}");
    app.stop().await;
}

/// `GET /api/articles/{slug}/revisions` lists every version with who made it and what it
/// changed; deleting the article hides it (and its revisions) from the API and keeps its
/// history in the database.
async fn revisions_list_each_version_and_delete_only_hides(backend: Backend) {
    let Some(test_db) = TestDb::open(backend, "conduit_revisions").await else { return };
    let app = App::start(&test_db).await;
    let author = app.register("author").await;
    let slug = app.write(&author, "First title").await;
    let retitle = json!({"article": {"title": "Second title"}});
    let (status, renamed) = app.put(&format!("/articles/{slug}"), &author, retitle).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    let renamed = renamed["article"]["slug"].as_str().expect("a slug").to_owned();
    assert!(renamed.starts_with("second-title-"), "a new title makes a new slug: {renamed}");
    let path = format!("/articles/{renamed}");
    let (status, _) = app.put(&path, &author, json!({"article": {"body": "new"}})).await;
    assert_eq!(status, StatusCode::OK);
    let other = app.register("other").await;
    let (status, refused) = app.put(&path, &other, json!({"article": {"body": "mine"}})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(app.delete(&path, &other).await, StatusCode::FORBIDDEN);

    let (status, body) = app.get(&format!("/articles/{renamed}/revisions"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let revisions = body["revisions"].as_array().expect("revisions");
    let summary: Vec<(i64, &str, &str, Vec<&str>)> = revisions
        .iter()
        .map(|r| {
            let fields = r["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .map(|c| c["field"].as_str().expect("a field"))
                .collect();
            (
                r["version"].as_i64().expect("a version"),
                r["operation"].as_str().expect("an operation"),
                r["changedBy"].as_str().expect("who"),
                fields,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "insert", "author", vec!["slug", "title", "description", "body"]),
            (2, "update", "author", vec!["slug", "title"]),
            (3, "update", "author", vec!["body"]),
        ],
        "{body}"
    );
    assert_eq!(
        revisions[1]["changes"][1],
        json!({"field": "title", "before": "First title", "after": "Second title"})
    );

    assert_eq!(app.delete(&path, &author).await, StatusCode::NO_CONTENT);
    for path in [format!("/articles/{renamed}"), format!("/articles/{renamed}/revisions")] {
        assert_eq!(app.get(&path, None).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, page) = app.get("/articles", None).await;
    assert_eq!(page["articlesCount"], json!(0), "{page}");
    let (_, tags) = app.get("/tags", None).await;
    assert_eq!(tags["tags"], json!([]), "a deleted article's tags are not in use: {tags}");

    let articles = test_db.repo::<Article>();
    let stored = articles
        .find()
        .include_deleted()
        .filter(Article::SLUG.eq(renamed.as_str()))
        .one()
        .await
        .expect("read")
        .expect("the row stays");
    assert!(stored.deleted_at.is_some(), "a soft delete");
    let history = articles.history(stored.id).await.expect("history");
    let operations: Vec<&str> = history.iter().map(|h| h.operation.as_str()).collect();
    assert_eq!(operations, ["insert", "update", "update", "delete"]);
    app.stop().await;
}

/// Taken usernames and e-mails are refused with the spec's 422 and a message naming the
/// field, and the unique indexes refuse a duplicate written past the checks
/// (`ErrorKind::Constraint`) on every backend.
async fn taken_names_are_422_and_the_unique_indexes_hold(backend: Backend) {
    let Some(test_db) = TestDb::open(backend, "conduit_unique").await else { return };
    let app = App::start(&test_db).await;
    app.register("alice").await;
    for (user, field) in [
        (json!({"username": "alice", "email": "new@example.com", "password": "pw"}), "username"),
        (json!({"username": "alicia", "email": "alice@example.com", "password": "pw"}), "email"),
    ] {
        let (status, body) = app.post("/users", None, json!({"user": user})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body, json!({"errors": {"body": [format!("{field} has already been taken")]}}));
    }
    let (status, body) = app.get("/user", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let users = test_db.repo::<User>();
    let alice = users.find().filter(User::USERNAME.eq("alice")).one().await.expect("read");
    let alice = alice.expect("alice");
    let twin = User {
        id: UserId(dal::types::Uuid::nil()),
        version: 0,
        email: "twin@example.com".into(),
        ..alice.clone()
    };
    let refused = users.save(&twin).await.expect_err("a second alice");
    assert_eq!(refused.kind(), ErrorKind::Constraint, "{refused}");
    let twin =
        User { id: UserId(dal::types::Uuid::nil()), version: 0, username: "twin".into(), ..alice };
    let refused = users.save(&twin).await.expect_err("a second alice@example.com");
    assert_eq!(refused.kind(), ErrorKind::Constraint, "{refused}");
    app.stop().await;
}

/// One module per backend, so every test name says where it ran (`conduit::sqlite::…`).
macro_rules! per_backend {
    ($($test:ident),* $(,)?) => {
        mod conduit {
            per_backend!(@backend postgres, Postgres, $($test),*);
            per_backend!(@backend mysql, MySql, $($test),*);
            per_backend!(@backend sqlite, Sqlite, $($test),*);
        }
    };
    (@backend $module:ident, $backend:ident, $($test:ident),*) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    crate::$test(dal::Backend::$backend).await;
                }
            )*
        }
    };
}

per_backend!(
    realworld_postman_collection_passes,
    a_page_of_20_articles_takes_as_many_statements_as_a_page_of_1,
    revisions_list_each_version_and_delete_only_hides,
    taken_names_are_422_and_the_unique_indexes_hold,
);
