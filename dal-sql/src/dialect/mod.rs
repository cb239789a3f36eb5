//! The [`Dialect`] enum: one value per backend, dispatching to that backend's file.
//!
//! Backend-specific SQL text lives only in this folder (one file per backend), so adding a
//! construct means touching exactly the three files that must agree.

mod mysql;
mod postgres;
mod replication;
mod sqlite;

use crate::IsolationLevel;
use crate::ident::{Ident, IdentError, validate_ident};
use crate::param_limit::{self, TooManyParams};
use crate::placeholders::{self, LexRules, PlaceholderError, Rewritten};

/// The SQL dialect of a backend.
///
/// ```
/// use dal_sql::Dialect;
/// let sql = Dialect::Postgres.rewrite_placeholders("SELECT * FROM t WHERE a = ? AND b = '?'")?;
/// assert_eq!(sql.sql, "SELECT * FROM t WHERE a = $1 AND b = '?'");
/// assert_eq!(sql.params, 1);
/// # Ok::<(), dal_sql::PlaceholderError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// PostgreSQL: `$n` placeholders, `"ident"` quoting.
    Postgres,
    /// MySQL and MariaDB: `?` placeholders, `` `ident` `` quoting.
    MySql,
    /// SQLite: `?` placeholders, `"ident"` quoting.
    Sqlite,
}

impl Dialect {
    /// Every dialect, in a fixed order (used to generate per-backend constants).
    pub const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

    /// The lowercase backend name used in messages, metrics and test names.
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::MySql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Quotes an identifier after checking it (see [`validate_ident`]).
    pub fn quote_ident(self, ident: &str) -> Result<String, IdentError> {
        validate_ident(ident)?;
        let q = self.ident_quote();
        Ok(format!("{q}{ident}{q}"))
    }

    /// Quotes an identifier that was checked when it was made.
    pub fn quote(self, ident: &Ident) -> String {
        let q = self.ident_quote();
        format!("{q}{}{q}", ident.as_str())
    }

    /// What follows the closing parenthesis of `CREATE TABLE`. MySQL tables get full Unicode
    /// and a binary collation, so text compares as on PostgreSQL and SQLite (case-sensitive).
    pub const fn create_table_suffix(self) -> &'static str {
        match self {
            Dialect::MySql => mysql::TABLE_SUFFIX,
            Dialect::Postgres | Dialect::Sqlite => "",
        }
    }

    /// Whether secondary indexes are declared inside `CREATE TABLE` (MySQL, which has no
    /// `CREATE INDEX IF NOT EXISTS`) rather than by a statement of their own.
    pub const fn indexes_in_create_table(self) -> bool {
        matches!(self, Dialect::MySql)
    }

    /// The type of text at most `max_length` characters long, where the backend enforces a
    /// length (`VARCHAR(n)`); `None` on SQLite, which ignores declared lengths, so a String
    /// column keeps its own type there.
    pub fn bounded_text_type(self, max_length: u32) -> Option<String> {
        match self {
            Dialect::Postgres | Dialect::MySql => Some(format!("VARCHAR({max_length})")),
            Dialect::Sqlite => None,
        }
    }

    /// Whether unique constraints are declared inside `CREATE TABLE` under their own name
    /// (PostgreSQL, MySQL) rather than as a `CREATE UNIQUE INDEX` (SQLite, whose inline unique
    /// constraints get nameless `sqlite_autoindex_…` indexes).
    pub const fn unique_constraints_in_create_table(self) -> bool {
        !matches!(self, Dialect::Sqlite)
    }

    /// The character that quotes identifiers in this dialect.
    pub const fn ident_quote(self) -> char {
        match self {
            Dialect::Postgres => postgres::IDENT_QUOTE,
            Dialect::MySql => mysql::IDENT_QUOTE,
            Dialect::Sqlite => sqlite::IDENT_QUOTE,
        }
    }

    /// Appends the native placeholder for the 1-based parameter `index`.
    pub fn push_placeholder(self, out: &mut String, index: usize) {
        match self {
            Dialect::Postgres => postgres::push_placeholder(out, index),
            Dialect::MySql | Dialect::Sqlite => out.push('?'),
        }
    }

    /// Whether `INSERT … RETURNING` is available, so a database-assigned id comes back with
    /// the insert instead of from a second call.
    pub const fn supports_returning(self) -> bool {
        match self {
            Dialect::Postgres => true,
            // MariaDB has RETURNING, MySQL does not; dal uses the protocol's last insert id,
            // which both report.
            Dialect::MySql => false,
            Dialect::Sqlite => true,
        }
    }

    /// Rewrites `?` placeholders into this dialect's native form.
    ///
    /// `?` inside string literals, quoted identifiers, comments and dollar-quoted bodies is
    /// left alone; `??` stands for a literal `?` (PostgreSQL's jsonb operators). `?1` (SQLite's
    /// numbered form) and native `$n` mixed with `?` are refused; `$n` without any `?` is left
    /// for the server (see the lexer's module documentation for why).
    pub fn rewrite_placeholders(self, sql: &str) -> Result<Rewritten, PlaceholderError> {
        placeholders::rewrite(sql, self, self.lex_rules())
    }

    /// The most bind parameters one statement may carry: the protocol's 16-bit count on
    /// PostgreSQL and MySQL/MariaDB, `SQLITE_MAX_VARIABLE_NUMBER` of the bundled SQLite.
    pub const fn max_params(self) -> usize {
        match self {
            Dialect::Postgres | Dialect::MySql => 65_535,
            Dialect::Sqlite => 32_766,
        }
    }

    /// Refuses a statement that binds more than [`Dialect::max_params`] values, so it fails
    /// before it is sent rather than in the driver or on the server.
    ///
    /// ```
    /// use dal_sql::Dialect;
    /// assert!(Dialect::Sqlite.check_param_count(32_766).is_ok());
    /// assert!(Dialect::Sqlite.check_param_count(32_767).is_err());
    /// ```
    pub fn check_param_count(self, count: usize) -> Result<(), TooManyParams> {
        param_limit::check(self, count)
    }

    /// For `INSERT … VALUES (…)` ending with one row of values: the same statement with `rows`
    /// rows, in native form, so many parameter sets go in one statement. `None` for any other
    /// statement.
    ///
    /// ```
    /// use dal_sql::Dialect;
    /// let sql = Dialect::Postgres.multi_row_values("INSERT INTO t (a, b) VALUES (?, ?)", 3)?;
    /// assert_eq!(sql.map(|r| r.sql).as_deref(), Some("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)"));
    /// # Ok::<(), dal_sql::PlaceholderError>(())
    /// ```
    pub fn multi_row_values(
        self,
        sql: &str,
        rows: usize,
    ) -> Result<Option<Rewritten>, PlaceholderError> {
        let Some((start, end)) = placeholders::values_row(sql, self.lex_rules())? else {
            return Ok(None);
        };
        let row = &sql[start..end];
        let mut text = String::with_capacity(sql.len() + (row.len() + 2) * rows);
        text.push_str(&sql[..start]);
        for i in 0..rows.max(1) {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(row);
        }
        text.push_str(&sql[end..]);
        self.rewrite_placeholders(&text).map(Some)
    }

    /// Counts the `?` placeholders without building the rewritten text.
    pub fn count_placeholders(self, sql: &str) -> Result<usize, PlaceholderError> {
        self.rewrite_placeholders(sql).map(|r| r.params)
    }

    /// The statement that opens a transaction with default options. SQLite takes the write
    /// lock up front (`BEGIN IMMEDIATE`) so two writers queue on the busy timeout instead of one
    /// failing when it upgrades a read lock.
    pub const fn begin_sql(self) -> &'static str {
        match self {
            Dialect::Postgres | Dialect::MySql => "BEGIN",
            Dialect::Sqlite => sqlite::BEGIN,
        }
    }

    /// The statement(s) that open a transaction with an isolation level and access mode.
    ///
    /// SQLite is always serializable, so `isolation` changes nothing there; a read-only SQLite
    /// transaction takes no write lock and sets `PRAGMA query_only`, which
    /// [`Dialect::after_transaction_sql`] clears again.
    pub fn begin_with_sql(self, isolation: Option<IsolationLevel>, read_only: bool) -> String {
        match self {
            Dialect::Postgres => postgres::begin_with(isolation, read_only),
            Dialect::MySql => mysql::begin_with(isolation, read_only),
            Dialect::Sqlite => sqlite::begin_with(read_only).to_owned(),
        }
    }

    /// What must run after a transaction opened by [`Dialect::begin_with_sql`] ends (commit or
    /// rollback), to put the session back as it was.
    pub const fn after_transaction_sql(self, read_only: bool) -> Option<&'static str> {
        match self {
            Dialect::Sqlite if read_only => Some(sqlite::END_READ_ONLY),
            _ => None,
        }
    }

    /// The statement that limits how long each statement of the session may run on the
    /// server, or `None` where the engine has no such setting (SQLite, which is interrupted
    /// from the client instead).
    pub fn statement_timeout_sql(self, millis: u64) -> Option<String> {
        match self {
            Dialect::Postgres => Some(format!("SET statement_timeout = {millis}")),
            Dialect::MySql => Some(mysql::statement_timeout(millis)),
            Dialect::Sqlite => None,
        }
    }

    /// The query that returns the server's id of the current session and the port the server
    /// listens on, used to stop that session from another connection; `None` for SQLite,
    /// which has no server. The port tells whether the session is provably the connection's
    /// own: through a pooler or proxy it differs from the port dialed, and the id may name a
    /// server session that serves other clients too.
    pub const fn session_id_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some(
                "SELECT CAST(pg_backend_pid() AS BIGINT), \
                 CAST(COALESCE(inet_server_port(), CAST(current_setting('port') AS INT)) AS BIGINT)",
            ),
            Dialect::MySql => {
                Some("SELECT CAST(CONNECTION_ID() AS SIGNED), CAST(@@port AS SIGNED)")
            }
            Dialect::Sqlite => None,
        }
    }

    /// The query that tells whether the current session is encrypted: one row whose first
    /// column (PostgreSQL, a boolean) or second column (MySQL, the cipher, empty when none)
    /// says so; `None` for SQLite.
    pub const fn session_encrypted_sql(self) -> Option<&'static str> {
        match self {
            Dialect::Postgres => Some(
                "SELECT COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
            ),
            Dialect::MySql => Some("SHOW SESSION STATUS LIKE 'Ssl_cipher'"),
            Dialect::Sqlite => None,
        }
    }

    /// The statement that ends session `id` on the server (its transaction rolls back).
    pub fn terminate_session_sql(self, id: i64) -> Option<String> {
        match self {
            Dialect::Postgres => Some(format!("SELECT pg_terminate_backend({id})")),
            Dialect::MySql => Some(format!("KILL CONNECTION {id}")),
            Dialect::Sqlite => None,
        }
    }

    /// Whether running `sql` inside a transaction commits that transaction first. MySQL and
    /// MariaDB commit implicitly before (and after) DDL (`CREATE`, `ALTER`, `DROP`, `TRUNCATE`,
    /// `RENAME`), so a later rollback cannot undo what came before; PostgreSQL and SQLite run
    /// DDL inside the transaction.
    pub fn implicitly_commits(self, sql: &str) -> bool {
        self == Dialect::MySql && mysql::is_ddl(sql)
    }

    /// The query that counts which of the sessions `ids` still exist on the server (ending a
    /// session is asynchronous there); `None` for SQLite.
    pub fn count_sessions_sql(self, ids: &[i64]) -> Option<String> {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        match self {
            Dialect::Postgres => Some(format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity WHERE pid IN ({list})"
            )),
            Dialect::MySql => Some(format!(
                "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE ID IN ({list})"
            )),
            Dialect::Sqlite => None,
        }
    }

    /// The `LIMIT`/`OFFSET` clause (with a leading space), or `""` when neither is set.
    /// MySQL and SQLite need a limit before an offset, so "no limit" is spelled out there.
    pub fn limit_offset(self, limit: Option<u64>, offset: Option<u64>) -> String {
        match (limit, offset) {
            (None, None) => String::new(),
            (Some(l), None) => format!(" LIMIT {l}"),
            (Some(l), Some(o)) => format!(" LIMIT {l} OFFSET {o}"),
            (None, Some(o)) => match self {
                Dialect::Postgres => format!(" OFFSET {o}"),
                Dialect::MySql => format!(" LIMIT 18446744073709551615 OFFSET {o}"),
                Dialect::Sqlite => format!(" LIMIT -1 OFFSET {o}"),
            },
        }
    }

    /// The query listing the columns of a table (bound as its one parameter) in the current
    /// schema: name and type, as the catalog spells them.
    pub const fn table_columns_sql(self) -> &'static str {
        match self {
            Dialect::Postgres => {
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
            }
            Dialect::MySql => {
                "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
            }
            Dialect::Sqlite => "SELECT name, type FROM pragma_table_info(?)",
        }
    }

    /// The query listing the secondary indexes of a table (bound as its one parameter) in the
    /// current schema, the primary key left out: one row per index with its name, `1` when it
    /// is unique (else `0`), and its columns in key order joined by `,` (`""` for an index on
    /// expressions only).
    pub const fn table_indexes_sql(self) -> &'static str {
        match self {
            Dialect::Postgres => postgres::TABLE_INDEXES,
            Dialect::MySql => mysql::TABLE_INDEXES,
            Dialect::Sqlite => sqlite::TABLE_INDEXES,
        }
    }

    /// Whether a catalog type (from [`Dialect::table_columns_sql`]) is the type a column was
    /// declared with in dal's DDL.
    pub fn same_type(self, declared: &str, catalog: &str) -> bool {
        let declared = declared.to_ascii_lowercase();
        let catalog = catalog.to_ascii_lowercase();
        // The catalog names the type without its precision and scale (and SQLite's without
        // its collation): `NUMERIC(19, 4)` is `numeric` there.
        let expected: &[&str] = match (self, declared.as_str()) {
            (Dialect::Postgres, d) if d.starts_with("numeric") => &["numeric"],
            (Dialect::MySql, d) if d.starts_with("decimal") => &["decimal"],
            (Dialect::Sqlite, "text collate dal_decimal") => &["text"],
            (Dialect::Postgres, "timestamptz") => &["timestamp with time zone"],
            (Dialect::Postgres, "timestamp") => &["timestamp without time zone"],
            (Dialect::Postgres, "time") => &["time without time zone"],
            (Dialect::MySql, "time(6)") => &["time"],
            (Dialect::Postgres, "bigint generated by default as identity primary key") => {
                &["bigint"]
            }
            (Dialect::MySql, "boolean") => &["tinyint"],
            (Dialect::MySql, "char(36)") => &["char"],
            (Dialect::MySql, "datetime(6)") => &["datetime"],
            // MariaDB stores JSON as LONGTEXT with a check; MySQL has a JSON type.
            (Dialect::MySql, "json") => &["json", "longtext"],
            // Lengths are not in the catalog's type name.
            (Dialect::Postgres, d) if d.starts_with("varchar(") => &["character varying"],
            (Dialect::MySql, d) if d.starts_with("varchar(") => &["varchar"],
            (Dialect::MySql, d) if d.starts_with("varbinary(") => &["varbinary"],
            _ => &[],
        };
        if expected.is_empty() { declared == catalog } else { expected.contains(&catalog.as_str()) }
    }

    /// The column type of a decimal without a precision: one that holds every
    /// `rust_decimal::Decimal` exactly (`NUMERIC`, `DECIMAL(65, 28)`, SQLite's text compared
    /// by value; see [`crate::decimal`]).
    pub const fn decimal_type(self) -> &'static str {
        match self {
            Dialect::Postgres => postgres::DECIMAL,
            Dialect::MySql => mysql::DECIMAL_DEFAULT,
            Dialect::Sqlite => sqlite::DECIMAL,
        }
    }

    /// The column type of a decimal with `precision` digits, `scale` of them after the point
    /// (`NUMERIC(19, 4)`); SQLite checks neither, its type is [`Dialect::decimal_type`]'s.
    pub fn decimal_type_with(self, precision: u32, scale: u32) -> String {
        match self {
            Dialect::Postgres => format!("{}({precision}, {scale})", postgres::DECIMAL),
            Dialect::MySql => format!("{}({precision}, {scale})", mysql::DECIMAL),
            Dialect::Sqlite => sqlite::DECIMAL.to_owned(),
        }
    }

    /// The query that returns the server's version as text.
    pub const fn server_version_sql(self) -> &'static str {
        match self {
            Dialect::Postgres => "SHOW server_version",
            Dialect::MySql => "SELECT VERSION()",
            Dialect::Sqlite => "SELECT sqlite_version()",
        }
    }

    /// Opens savepoint number `n` of a transaction.
    pub fn savepoint_sql(self, n: u32) -> String {
        format!("SAVEPOINT dal_sp_{n}")
    }

    /// Keeps the work since savepoint `n` and forgets the savepoint.
    pub fn release_savepoint_sql(self, n: u32) -> String {
        format!("RELEASE SAVEPOINT dal_sp_{n}")
    }

    /// Undoes the work since savepoint `n`, then forgets it.
    pub fn rollback_to_savepoint_sql(self, n: u32) -> String {
        format!("ROLLBACK TO SAVEPOINT dal_sp_{n}; RELEASE SAVEPOINT dal_sp_{n}")
    }

    /// How a server may also read text, depending on session settings dal does not control,
    /// each with the setting that makes it so.
    pub(crate) const fn other_readings(self) -> &'static [(LexRules, &'static str)] {
        match self {
            Dialect::Postgres => postgres::OTHER_READINGS,
            Dialect::MySql => mysql::OTHER_READINGS,
            Dialect::Sqlite => sqlite::OTHER_READINGS,
        }
    }

    pub(crate) const fn lex_rules(self) -> LexRules {
        match self {
            Dialect::Postgres => postgres::LEX_RULES,
            Dialect::MySql => mysql::LEX_RULES,
            Dialect::Sqlite => sqlite::LEX_RULES,
        }
    }
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_statements() {
        let ser = Some(IsolationLevel::Serializable);
        assert_eq!(
            Dialect::Postgres.begin_with_sql(ser, true),
            "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY"
        );
        assert_eq!(
            Dialect::MySql.begin_with_sql(ser, false),
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; START TRANSACTION"
        );
        assert_eq!(
            Dialect::Sqlite.begin_with_sql(ser, true),
            "BEGIN DEFERRED; PRAGMA query_only = ON"
        );
        assert_eq!(Dialect::Sqlite.after_transaction_sql(true), Some("PRAGMA query_only = OFF"));
        assert_eq!(Dialect::Postgres.after_transaction_sql(true), None);
        assert_eq!(Dialect::Sqlite.begin_sql(), "BEGIN IMMEDIATE");
    }

    #[test]
    fn values_rows_multiply_only_for_a_trailing_values_row() {
        let my = |sql: &str| Dialect::MySql.multi_row_values(sql, 2).expect("lexes").map(|r| r.sql);
        assert_eq!(
            my("insert into t (a) values (?, lower(?)) ;").as_deref(),
            Some("insert into t (a) values (?, lower(?)), (?, lower(?)) ;")
        );
        assert_eq!(
            my("INSERT INTO t (note) VALUES ('VALUES (?)', ?)").as_deref(),
            Some("INSERT INTO t (note) VALUES ('VALUES (?)', ?), ('VALUES (?)', ?)")
        );
        assert_eq!(my("INSERT INTO t VALUES (?) ON DUPLICATE KEY UPDATE a = ?"), None);
        assert_eq!(my("UPDATE t SET a = ? WHERE b = ?"), None);
        assert_eq!(my("INSERT INTO t SELECT ? FROM dual"), None);
        assert_eq!(
            my("INSERT INTO my_values (v) VALUES (?)").as_deref(),
            Some("INSERT INTO my_values (v) VALUES (?), (?)")
        );
    }

    #[test]
    fn decimal_types_and_their_catalog_names() {
        assert_eq!(Dialect::Postgres.decimal_type_with(19, 4), "NUMERIC(19, 4)");
        assert_eq!(Dialect::MySql.decimal_type_with(19, 4), "DECIMAL(19, 4)");
        assert_eq!(Dialect::MySql.decimal_type(), "DECIMAL(65, 28)");
        let sqlite = Dialect::Sqlite.decimal_type();
        assert!(sqlite.ends_with(crate::decimal::SQLITE_COLLATION), "{sqlite}");
        assert_eq!(Dialect::Sqlite.decimal_type_with(19, 4), sqlite);
        for d in Dialect::ALL {
            let (bare, precise) = (d.decimal_type(), d.decimal_type_with(5, 2));
            let catalog = match d {
                Dialect::Postgres => "numeric",
                Dialect::MySql => "decimal",
                Dialect::Sqlite => "TEXT",
            };
            assert!(d.same_type(bare, catalog) && d.same_type(&precise, catalog), "{d}");
            assert!(!d.same_type(bare, "bigint"), "{d}");
        }
        assert!(Dialect::Postgres.same_type("TIME", "time without time zone"));
        assert!(Dialect::MySql.same_type("TIME(6)", "time"));
    }

    #[test]
    fn statement_timeouts() {
        assert_eq!(
            Dialect::Postgres.statement_timeout_sql(1500).as_deref(),
            Some("SET statement_timeout = 1500")
        );
        assert_eq!(
            Dialect::MySql.statement_timeout_sql(1500).as_deref(),
            Some("SET max_statement_time = 1.500")
        );
        assert_eq!(Dialect::Sqlite.statement_timeout_sql(1500), None);
    }

    #[test]
    fn quoting_refuses_unchecked_identifiers() {
        assert_eq!(Dialect::MySql.quote_ident("users").as_deref(), Ok("`users`"));
        assert!(Dialect::Postgres.quote_ident("x\"; DROP TABLE y; --").is_err());
    }
}
