//! The router in-process, for checks the collection cannot make.

use std::time::Duration;

use dal::Database;
use examples::conduit::config::Config;
use examples::conduit::{router, schema};
use examples::serving;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::TestDb;

use crate::SECRET;

/// The router in-process over a pool of its own, so that the pool's `statements` metric
/// counts only what the requests ran.
pub struct App {
    pub db: Database,
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl App {
    pub async fn start(test_db: &TestDb) -> App {
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
    pub async fn call(
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

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> StatusCode {
        self.call(reqwest::Method::DELETE, path, Some(token), None).await.0
    }

    /// Registers `name`; its token.
    pub async fn register(&self, name: &str) -> String {
        let body = json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "pw"}});
        let (status, user) = self.post("/users", None, body).await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        user["user"]["token"].as_str().expect("a token").to_owned()
    }

    /// Writes an article as `token`'s user; its slug.
    pub async fn write(&self, token: &str, title: &str) -> String {
        let body = json!({"article": {"title": title, "description": "d", "body": "b", "tagList": ["dal", "rust"]}});
        let (status, article) = self.post("/articles", Some(token), body).await;
        assert_eq!(status, StatusCode::CREATED, "{article}");
        article["article"]["slug"].as_str().expect("a slug").to_owned()
    }

    /// The statements `path` ran, and its answer.
    pub async fn statements(&self, path: &str, token: Option<&str>) -> (u64, Value) {
        let before = self.db.pool().metrics().statements;
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        (self.db.pool().metrics().statements - before, body)
    }

    pub async fn stop(mut self) {
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
