//! Stage 2: a statement past its limit is stopped where it runs.

use std::sync::atomic::Ordering;

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
        conn.pool_inner().end_sessions(&[session]).await;
    }
}
