//! What dal asks a server to route work across a primary and its replicas: whether it takes
//! writes, how far behind its primary it is, and whether a statement may run on a replica.

use super::Dialect;

impl Dialect {
    /// A query returning one row with one integer column: 1 when the server accepts writes
    /// (PostgreSQL: not in recovery; MySQL/MariaDB: `read_only` off), 0 otherwise. `None` for
    /// SQLite, which has no replicas.
    pub const fn accepts_writes_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => {
                Some("SELECT CAST(CASE WHEN pg_is_in_recovery() THEN 0 ELSE 1 END AS BIGINT)")
            }
            Dialect::MySql => Some("SELECT CAST(@@global.read_only = 0 AS SIGNED)"),
            Dialect::Sqlite => None,
        }
    }

    /// A query whose first row tells how far a replica is behind its primary, in seconds, in
    /// one of the columns [`Dialect::replica_lag_columns`] names (`NULL`: not replicating).
    /// A server that is not a replica reports 0 on PostgreSQL and no row on MySQL/MariaDB.
    ///
    /// PostgreSQL counts the lag as the age of the last replayed transaction while received
    /// WAL is still waiting to be replayed, and 0 once everything received is replayed (so an
    /// idle primary does not make its replicas look late).
    pub const fn replica_lag_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some(
                "SELECT CAST(COALESCE(CASE WHEN NOT pg_is_in_recovery() \
                 OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
                 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END, 0) \
                 AS DOUBLE PRECISION) AS lag_seconds",
            ),
            Dialect::MySql => Some("SHOW REPLICA STATUS"),
            Dialect::Sqlite => None,
        }
    }

    /// The column names of [`Dialect::replica_lag_sql`]'s lag, in the order to look for them
    /// (MariaDB says `Seconds_Behind_Master`, MySQL 8 `Seconds_Behind_Source`).
    pub const fn replica_lag_columns(self) -> &'static [&'static str] {
        match self {
            Dialect::Postgres => &["lag_seconds"],
            Dialect::MySql => &["Seconds_Behind_Master", "Seconds_Behind_Source"],
            Dialect::Sqlite => &[],
        }
    }

    /// Whether `sql` only reads, so it may run on a read replica: it starts with `SELECT`,
    /// `WITH`, `VALUES`, `TABLE` or `SHOW` and no word outside literals, quoted names and
    /// comments writes, locks rows or advances a sequence (`INSERT`, `UPDATE`, `DELETE`,
    /// `MERGE`, `INTO`, `FOR UPDATE`/`SHARE`, `LOCK`, `NEXTVAL`, `SETVAL`). In doubt, `false`.
    /// A function that writes (`SELECT my_function()`) cannot be seen from the text: send
    /// such calls to the primary explicitly.
    ///
    /// ```
    /// use dal_sql::Dialect;
    /// assert!(Dialect::Postgres.is_read_only("SELECT name FROM users WHERE id = $1"));
    /// assert!(!Dialect::Postgres.is_read_only("SELECT * FROM users FOR UPDATE"));
    /// assert!(!Dialect::Postgres.is_read_only("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"));
    /// ```
    pub fn is_read_only(self, sql: &str) -> bool {
        crate::routing::is_read_only(self, sql)
    }
}
