//! Stage 2: a statement past its limit is stopped where it runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crate::pool::PooledConnection;

/// Ends this connection's session on the server from a side connection, so whatever it runs
/// stops there and its transaction rolls back; the connection's state is unknown and it is
/// closed when it goes back. SQLite has no server session: its statement is interrupted by the
/// progress handler installed when it was opened. A session that is not provably this
/// connection's (see `PoolOptions::server_side_stop`) has no id and is left alone.
pub(super) async fn on_server(conn: &mut PooledConnection) {
    conn.mark_unknown();
    let Some(live) = conn.live() else { return };
    if let Some(flag) = &live.interrupt {
        // SQLite: the progress handler sees it within a thousand VM steps.
        flag.store(true, Ordering::Release);
    }
    if let Some(session) = live.session {
        // Boxed: ending a session opens a connection of its own, a future of kilobytes that
        // would otherwise sit inside every statement's future (this path is the rare one).
        Box::pin(conn.pool_inner().end_sessions(&[session])).await;
    }
}

/// A statement's stop that does not wait for the driver: at the deadline it sets the
/// connection's interrupt flag from a task of its own. A driver that runs a statement on the
/// calling thread (rusqlite) never yields to the timer that waits for it, so only this stops
/// its statement; for the others it is the same stop, a moment sooner.
///
/// Its state decides the race between the deadline and the statement's end once: the task
/// sets the flag only if it moves the state from armed to fired, and the pipeline disarms it
/// (armed to disarmed) when the driver answered; whichever moves first wins, so a flag is never
/// set on a connection that goes back to the pool as healthy.
pub(super) struct Watchdog {
    state: Arc<AtomicU8>,
    _armed: crate::rt::Armed,
}

const ARMED: u8 = 0;
const FIRED: u8 = 1;
const DISARMED: u8 = 2;

impl Watchdog {
    /// Arms the watchdog when the statement has a limit and the connection an interrupt flag.
    pub(super) fn arm(conn: &PooledConnection, limit: Option<Duration>) -> Option<Watchdog> {
        let flag = Arc::clone(conn.live()?.interrupt.as_ref()?);
        let state = Arc::new(AtomicU8::new(ARMED));
        let seen = Arc::clone(&state);
        let armed = crate::rt::after(limit?, move || {
            if seen.compare_exchange(ARMED, FIRED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                flag.store(true, Ordering::Release);
            }
        })?;
        Some(Watchdog { state, _armed: armed })
    }

    /// Disarms it; `true` when it had already stopped the statement (the connection's flag is
    /// set: it cannot be reused).
    pub(super) fn disarm(&self) -> bool {
        self.state.compare_exchange(ARMED, DISARMED, Ordering::AcqRel, Ordering::Acquire)
            == Err(FIRED)
    }
}
