//! A pool's instruments in the `metrics` facade, named after the OpenTelemetry
//! database-client conventions and labelled by pool name and database system (never by
//! password or SQL text). Handles are registered when the pool is created, so install the
//! recorder (e.g. a Prometheus exporter) before connecting.

use std::sync::Once;
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, Label, Unit};

use crate::config::Backend;
use crate::error::ErrorKind;

pub(crate) const CONNECTION_COUNT: &str = "db.client.connection.count";
pub(crate) const CONNECTION_MAX: &str = "db.client.connection.max";
pub(crate) const CONNECTION_IDLE_MIN: &str = "db.client.connection.idle.min";
pub(crate) const PENDING_REQUESTS: &str = "db.client.connection.pending_requests";
pub(crate) const WAIT_TIME: &str = "db.client.connection.wait_time";
pub(crate) const CONNECTION_TIMEOUTS: &str = "db.client.connection.timeouts";
pub(crate) const OPERATION_DURATION: &str = "db.client.operation.duration";
pub(crate) const OPERATION_TIMEOUTS: &str = "db.client.operation.timeouts";
pub(crate) const OPERATION_ERRORS: &str = "db.client.operation.errors";

/// The OpenTelemetry `db.system` value.
fn system(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgresql",
        Backend::MySql => "mysql",
        Backend::Sqlite => "sqlite",
    }
}

fn describe() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        metrics::describe_gauge!(CONNECTION_COUNT, "Connections open, by state (idle, used).");
        metrics::describe_gauge!(CONNECTION_MAX, "The pool's max_connections.");
        metrics::describe_gauge!(CONNECTION_IDLE_MIN, "The pool's min_connections.");
        metrics::describe_gauge!(PENDING_REQUESTS, "Acquires waiting for a connection.");
        metrics::describe_histogram!(
            WAIT_TIME,
            Unit::Seconds,
            "Time to obtain a connection from the pool."
        );
        metrics::describe_counter!(
            CONNECTION_TIMEOUTS,
            "Acquires that gave up after the acquisition timeout."
        );
        metrics::describe_histogram!(OPERATION_DURATION, Unit::Seconds, "Statement durations.");
        metrics::describe_counter!(OPERATION_TIMEOUTS, "Statements stopped at their deadline.");
        metrics::describe_counter!(OPERATION_ERRORS, "Failed operations, by error.type.");
    });
}

#[derive(Debug)]
pub(crate) struct Meters {
    labels: Vec<Label>,
    idle: Gauge,
    used: Gauge,
    pending: Gauge,
    wait_time: Histogram,
    connection_timeouts: Counter,
    operation_duration: Histogram,
    operation_timeouts: Counter,
}

impl Meters {
    pub(crate) fn new(pool_name: &str, backend: Backend, max: u32, min: u32) -> Self {
        describe();
        let labels = vec![
            Label::new("db.client.connection.pool.name", pool_name.to_owned()),
            Label::new("db.system", system(backend)),
        ];
        let with_state = |state: &'static str| {
            let mut l = labels.clone();
            l.push(Label::new("db.client.connection.state", state));
            l
        };
        metrics::gauge!(CONNECTION_MAX, labels.clone()).set(f64::from(max));
        metrics::gauge!(CONNECTION_IDLE_MIN, labels.clone()).set(f64::from(min));
        Meters {
            idle: metrics::gauge!(CONNECTION_COUNT, with_state("idle")),
            used: metrics::gauge!(CONNECTION_COUNT, with_state("used")),
            pending: metrics::gauge!(PENDING_REQUESTS, labels.clone()),
            wait_time: metrics::histogram!(WAIT_TIME, labels.clone()),
            connection_timeouts: metrics::counter!(CONNECTION_TIMEOUTS, labels.clone()),
            operation_duration: metrics::histogram!(OPERATION_DURATION, labels.clone()),
            operation_timeouts: metrics::counter!(OPERATION_TIMEOUTS, labels.clone()),
            labels,
        }
    }

    pub(crate) fn connections(&self, idle: u32, used: u32, pending: usize) {
        self.idle.set(f64::from(idle));
        self.used.set(f64::from(used));
        self.pending.set(pending as f64);
    }

    pub(crate) fn waited(&self, d: Duration) {
        self.wait_time.record(d.as_secs_f64());
    }

    pub(crate) fn acquire_timed_out(&self) {
        self.connection_timeouts.increment(1);
    }

    pub(crate) fn operation(&self, d: Duration) {
        self.operation_duration.record(d.as_secs_f64());
    }

    pub(crate) fn operation_timed_out(&self) {
        self.operation_timeouts.increment(1);
    }

    /// Errors are rare: their counter is looked up when one happens.
    pub(crate) fn failed(&self, kind: ErrorKind) {
        let mut labels = self.labels.clone();
        labels.push(Label::new("error.type", kind.as_str()));
        metrics::counter!(OPERATION_ERRORS, labels).increment(1);
    }
}
