//! The RealWorld collection, unchanged, with Newman against the built `conduit` binary.

use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use dal::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::TestDb;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::SECRET;

/// The collection, copied unchanged from the RealWorld repository.
const COLLECTION: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/realworld/Conduit.postman_collection.json");

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
pub async fn realworld_postman_collection_passes(backend: Backend) {
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
