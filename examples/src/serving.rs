//! What the HTTP examples share: the Prometheus recorder, the `/health` and `/metrics` routes,
//! and serving a router until a shutdown future completes, then closing the database's pool.
//!
//! [`web_service`](crate::web_service) and [`conduit`](crate::conduit) both serve through
//! [`serve`] and merge [`ops_routes`] into their own routes, so the two behave the same way
//! under a probe, a scrape and a SIGTERM.

use std::future::Future;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use dal::Database;
use metrics_exporter_prometheus::{BuildError, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

/// How long [`serve`] lets work in flight finish when it closes its pool.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// The lowest [`dal::observe::HealthReport`] score `/health` answers 200 for (503 below).
pub const HEALTHY_SCORE: u8 = 50;

/// Installs the process-wide Prometheus recorder and returns the handle that renders it.
///
/// Call it once, before connecting: dal's pools register their metrics when they are created,
/// so a pool made before the recorder reports nothing.
///
/// # Errors
///
/// When a recorder is already installed.
pub fn install_metrics() -> Result<PrometheusHandle, BuildError> {
    PrometheusBuilder::new().install_recorder()
}

/// What the two routes need.
#[derive(Debug, Clone)]
struct Ops {
    db: Database,
    metrics: Option<PrometheusHandle>,
}

/// `GET /health` (the pool's [`dal::observe::HealthReport`] as JSON: 200 when its score is at
/// least [`HEALTHY_SCORE`], else 503) and `GET /metrics` (Prometheus text of `metrics`; 404
/// with `{"error": "not_found", …}` without a recorder), to merge into an application's router.
pub fn ops_routes(db: Database, metrics: Option<PrometheusHandle>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(render_metrics))
        .with_state(Ops { db, metrics })
}

/// Serves `app` on `listener` until `shutdown` completes, lets requests in flight finish,
/// then closes and unregisters `db`'s pool (waiting up to [`CLOSE_TIMEOUT`] for work in
/// flight).
///
/// While it runs it also does the Prometheus recorder's upkeep (draining histograms) every
/// 5 seconds.
///
/// # Errors
///
/// When the server fails to accept connections.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    db: &Database,
    metrics: Option<PrometheusHandle>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let upkeep = metrics.map(|handle| {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        })
    });
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    if let Some(task) = upkeep {
        task.abort();
    }
    // Closes and unregisters the pool, so that a later connect with the same configuration
    // gets a new one; a pool the manager does not list (`Database::from_pool`) is closed as is.
    let pool = db.pool();
    if dal::pool::PoolManager::global().close_pool(pool.hash(), CLOSE_TIMEOUT).await.is_none() {
        pool.close(CLOSE_TIMEOUT).await;
    }
    served
}

/// Completes on ctrl-c or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            eprintln!("cannot listen for ctrl-c: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(e) => {
                eprintln!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

async fn health(State(ops): State<Ops>) -> Response {
    let report = ops.db.pool().health_report();
    let status = if report.score >= HEALTHY_SCORE {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report)).into_response()
}

async fn render_metrics(State(ops): State<Ops>) -> Response {
    match &ops.metrics {
        Some(handle) => {
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render())
                .into_response()
        }
        // The web service's error shape (`{"error", "message"}`), as it answered before.
        None => {
            let body =
                serde_json::json!({"error": "not_found", "message": "metrics are not enabled"});
            (StatusCode::NOT_FOUND, Json(body)).into_response()
        }
    }
}
