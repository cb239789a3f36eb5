//! Stage 4: how the statement goes to the server, and the connection's prepared-statement
//! cache (the driver's LRU, mirrored here for its hit, miss and eviction counts).

use std::time::Duration;

use sqlx::SqlStr;

use crate::driver::Protocol;
use crate::observe::Lookup;
use crate::pool::PooledConnection;

/// How the next statement goes to the server, given its limit: inline behind a transaction
/// pooler (values in the text, the limit kept by the server), else prepared and cached, or
/// prepared for this run only when the cache is off.
pub(super) fn protocol(conn: &PooledConnection, limit: Option<Duration>) -> Protocol {
    let options = &conn.pool_inner().options;
    if options.transaction_pooler {
        Protocol::Inline { statement_timeout: limit, in_transaction: conn.in_transaction() }
    } else if options.statement_cache_capacity > 0 {
        Protocol::Cached
    } else {
        Protocol::OneOff
    }
}

/// Looks the statement up in this connection's mirror of the driver's statement cache.
pub(super) fn lookup(
    conn: &mut PooledConnection,
    sql: &SqlStr,
    protocol: Protocol,
) -> Option<Lookup> {
    if protocol != Protocol::Cached {
        return None;
    }
    let (statements, pool) = conn.statement_cache()?;
    Some(statements.lookup(sql.as_str(), &pool.observer.cache))
}

/// After a statement ran: a missed one is now held by the driver's cache.
pub(super) fn prepared(conn: &mut PooledConnection, lookup: Option<Lookup>) {
    let Some(lookup) = lookup else { return };
    let Some((statements, pool)) = conn.statement_cache() else { return };
    statements.prepared(lookup, pool.options.statement_cache_capacity, &pool.observer.cache);
}
