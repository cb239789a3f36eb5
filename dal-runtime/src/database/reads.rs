//! Read routing for handles of a cluster: which statements may go to a replica, in what
//! order the replicas are tried, and what happens when one fails under a read.

use super::{Database, Lease};
use crate::cluster::{Cluster, Replica};
use crate::error::{Error, ErrorKind, Result};

/// Whether an acquire failure means the replica cannot serve now (so the read moves on)
/// rather than that the read itself is wrong.
fn unavailable(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::Connection
            | ErrorKind::Timeout
            | ErrorKind::CircuitOpen
            | ErrorKind::PoolTimeout
            | ErrorKind::PoolExhausted
            | ErrorKind::Closed
    )
}

/// Where the attempts of one read go: the healthy replicas in the order the cluster gives,
/// then the primary. A read runs in a plain loop at its call site:
///
/// ```text
/// let mut route = db.read_route(sql, on_primary);
/// loop {
///     let mut lease = route.lease().await?;
///     let result = exec::fetch_all(lease.conn()?, …).await;
///     if !route.retry(&result) { return result; }
/// }
/// ```
///
/// Reads outside a transaction are safe to repeat, so a read whose replica lost its
/// connection runs again on the next one.
pub(crate) struct ReadRoute<'d> {
    db: &'d Database,
    sql: &'d str,
    /// The cluster while replicas are left to try.
    cluster: Option<&'d Cluster>,
    order: std::vec::IntoIter<&'d Replica>,
    /// The replica of the attempt under way.
    current: Option<&'d Replica>,
}

impl Database {
    /// The route of a read of `sql`: through replicas when this handle belongs to a cluster
    /// with replicas, holds no connection of its own and joins no transaction scope, reads neither on the
    /// primary by choice nor by `on_primary`, and `sql` only reads; otherwise straight to
    /// where the handle's writes go.
    pub(crate) fn read_route<'d>(&'d self, sql: &'d str, on_primary: bool) -> ReadRoute<'d> {
        let cluster = self.cluster.as_deref().filter(|c| {
            self.pinned.is_none()
                && !on_primary
                && crate::transaction::ambient::frame_for(self).is_none()
                && !self.reads_on_primary
                && !c.replicas.is_empty()
                && self.dialect().is_read_only(sql)
        });
        let order = cluster.map(|c| c.replicas.for_read()).unwrap_or_default();
        ReadRoute { db: self, sql, cluster, order: order.into_iter(), current: None }
    }

    /// The connection a stream of `sql`'s rows is read from (see [`Database::read_route`]).
    /// Only a replica that cannot give a connection is skipped: once rows flow, a failure
    /// ends the stream.
    pub(crate) async fn lease_for_read<'d>(
        &'d self,
        sql: &'d str,
        on_primary: bool,
    ) -> Result<Lease<'d>> {
        let mut route = self.read_route(sql, on_primary);
        let lease = route.lease().await?;
        route.retry(&Ok(()));
        Ok(lease)
    }
}

impl<'d> ReadRoute<'d> {
    /// The connection for the next attempt: the next replica that can give one (those that
    /// cannot are taken out of rotation), or the primary once none is left (counted as a
    /// fallback when the read could have gone to a replica).
    pub(crate) async fn lease(&mut self) -> Result<Lease<'d>> {
        if let Some(cluster) = self.cluster {
            for replica in self.order.by_ref() {
                match replica.pool.acquire_with(self.db.priority).await {
                    Ok(conn) => {
                        self.current = Some(replica);
                        return Ok(Lease::Pooled(conn));
                    }
                    Err(e) if unavailable(&e) => replica.take_out(e.message()),
                    Err(e) => return Err(e),
                }
            }
            cluster.count_fallback();
            self.cluster = None;
        }
        self.current = None;
        self.db.lease_for(self.sql).await
    }

    /// After an attempt: `true` to run the read again elsewhere, because its replica lost
    /// the connection (the replica is taken out of rotation) or cancelled the read for a
    /// conflict with the recovery it replays (PostgreSQL's hot standby, SQLSTATE 40001; the
    /// replica stays in rotation). Any other outcome stands, and counts as a read the replica
    /// served.
    pub(crate) fn retry<T>(&mut self, result: &Result<T>) -> bool {
        let Some(replica) = self.current.take() else { return false };
        match result {
            Err(e) if e.kind() == ErrorKind::Connection => {
                replica.take_out(e.message());
                true
            }
            Err(e) if e.kind() == ErrorKind::Serialization => true,
            _ => {
                replica.count_read();
                false
            }
        }
    }
}
