//! A dal configuration into an open rusqlite connection, with the settings of the built-in
//! SQLite driver: a file is created when missing and put in WAL mode, foreign keys are on,
//! lock waits last up to 5 s, and the options `mode` (`ro`, `rw`, `rwc`, `memory`),
//! `busy_timeout`, `synchronous`, `journal_mode` and `cache_size` mean what they mean there.
//! An in-memory database is private to its connection (dal keeps such a pool on one).

use std::time::Duration;

use dal_runtime::driver::duration_option as parse_duration;
use dal_runtime::driver::{DECIMAL_COLLATION, compare_decimal_text};
use dal_runtime::{DbConfig, Error, ErrorKind, Result};
use rusqlite::{Connection, OpenFlags};

use crate::error::classify;

/// Whether `config` names an in-memory database: no file, `:memory:`, or `mode=memory`.
fn is_memory(config: &DbConfig) -> bool {
    config.database_name().is_none_or(|db| db == ":memory:")
        || config.options().get("mode").is_some_and(|m| m == "memory")
}

/// What opening a connection for a configuration does.
#[derive(Debug)]
struct Settings {
    flags: OpenFlags,
    busy_timeout: Duration,
    /// `PRAGMA` name and value, run in this order (sqlx's).
    journal_mode: Option<&'static str>,
    synchronous: Option<&'static str>,
    cache_size: Option<i64>,
}

impl Settings {
    fn of(config: &DbConfig) -> Result<Settings> {
        let memory = is_memory(config);
        let mut s = Settings {
            flags: OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            busy_timeout: Duration::from_secs(5),
            journal_mode: if memory { None } else { Some("WAL") },
            synchronous: None,
            cache_size: None,
        };
        for (key, value) in config.options() {
            let unknown = |what: &str| {
                Error::new(
                    ErrorKind::Config,
                    format!("the sqlite option `{key}` must be {what}, got `{value}`"),
                )
            };
            match key.as_str() {
                "mode" => match value.as_str() {
                    "ro" => {
                        s.flags.remove(
                            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
                        );
                        s.flags.insert(OpenFlags::SQLITE_OPEN_READ_ONLY);
                    }
                    "rw" => s.flags.remove(OpenFlags::SQLITE_OPEN_CREATE),
                    "rwc" | "memory" => {}
                    _ => return Err(unknown("ro, rw, rwc or memory")),
                },
                "busy_timeout" => s.busy_timeout = parse_duration(key, value)?,
                "synchronous" => {
                    s.synchronous = Some(
                        one_of(value, &["OFF", "NORMAL", "FULL", "EXTRA"])
                            .ok_or_else(|| unknown("off, normal, full or extra"))?,
                    )
                }
                "journal_mode" => {
                    s.journal_mode =
                        Some(
                            one_of(
                                value,
                                &["DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF"],
                            )
                            .ok_or_else(|| {
                                unknown("delete, truncate, persist, memory, wal or off")
                            })?,
                        )
                }
                "cache_size" => {
                    s.cache_size =
                        Some(value.parse().map_err(|_| {
                            unknown("a number of pages, or a negative number of KiB")
                        })?)
                }
                _ => {
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!(
                            "unknown sqlite option `{key}`: sqlite takes mode, busy_timeout, synchronous, journal_mode and cache_size"
                        ),
                    ));
                }
            }
        }
        Ok(s)
    }

    /// The `PRAGMA`s to run once the connection is open.
    fn pragmas(&self) -> String {
        let mut sql = String::new();
        if let Some(mode) = self.journal_mode {
            sql.push_str(&format!("PRAGMA journal_mode = {mode};"));
        }
        sql.push_str("PRAGMA foreign_keys = ON;");
        if let Some(sync) = self.synchronous {
            sql.push_str(&format!("PRAGMA synchronous = {sync};"));
        }
        if let Some(pages) = self.cache_size {
            sql.push_str(&format!("PRAGMA cache_size = {pages};"));
        }
        sql
    }
}

/// `value` (any case) when it is one of `allowed` (upper case), as written there.
fn one_of(value: &str, allowed: &[&'static str]) -> Option<&'static str> {
    allowed.iter().copied().find(|a| a.eq_ignore_ascii_case(value))
}

/// Opens and sets up a connection for `config`.
pub(crate) fn open(config: &DbConfig) -> Result<Connection> {
    let settings = Settings::of(config)?;
    let conn = if is_memory(config) {
        Connection::open_in_memory_with_flags(settings.flags)
    } else {
        Connection::open_with_flags(config.database_name().unwrap_or_default(), settings.flags)
    };
    let conn = conn.map_err(|e| opening(config, e))?;
    conn.busy_timeout(settings.busy_timeout).map_err(|e| opening(config, e))?;
    conn.execute_batch(&settings.pragmas()).map_err(|e| opening(config, e))?;
    // Decimal columns are declared with this collation, as with the built-in driver.
    conn.create_collation(DECIMAL_COLLATION, compare_decimal_text)
        .map_err(|e| opening(config, e))?;
    Ok(conn)
}

/// A failure to open: the file cannot be opened (CANTOPEN is a configuration error, as with
/// the built-in driver), or a setting was refused.
fn opening(config: &DbConfig, e: rusqlite::Error) -> Error {
    let e = classify(e);
    let kind = match e.kind() {
        ErrorKind::Config | ErrorKind::Serialization => e.kind(),
        _ => ErrorKind::Connection,
    };
    Error::new(
        kind,
        format!("cannot open sqlite database `{}`: {}", config.endpoint(), e.message()),
    )
    .with_source(e)
}

#[cfg(test)]
mod tests {
    use dal_runtime::Backend;

    use super::*;

    fn settings(options: &[(&str, &str)]) -> Result<Settings> {
        let mut config = DbConfig::new(Backend::Sqlite).database("x.db");
        for (k, v) in options {
            config = config.option(*k, *v);
        }
        Settings::of(&config)
    }

    #[test]
    fn defaults_are_the_built_in_drivers() {
        let s = settings(&[]).expect("valid");
        assert_eq!(s.busy_timeout, Duration::from_secs(5));
        assert_eq!(s.pragmas(), "PRAGMA journal_mode = WAL;PRAGMA foreign_keys = ON;");
        let memory = Settings::of(&DbConfig::new(Backend::Sqlite)).expect("valid");
        assert_eq!(memory.pragmas(), "PRAGMA foreign_keys = ON;");
    }

    #[test]
    fn options_apply_and_bad_ones_are_config_errors() {
        let s = settings(&[
            ("busy_timeout", "250ms"),
            ("synchronous", "normal"),
            ("journal_mode", "delete"),
            ("cache_size", "-2000"),
            ("mode", "ro"),
        ])
        .expect("valid");
        assert_eq!(s.busy_timeout, Duration::from_millis(250));
        assert!(s.flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY));
        assert!(!s.flags.contains(OpenFlags::SQLITE_OPEN_CREATE));
        assert_eq!(
            s.pragmas(),
            "PRAGMA journal_mode = DELETE;PRAGMA foreign_keys = ON;PRAGMA synchronous = NORMAL;PRAGMA cache_size = -2000;"
        );
        for bad in [("mode", "x"), ("synchronous", "x"), ("cache_size", "x"), ("colour", "red")] {
            let e = settings(&[bad]).expect_err("refused");
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        }
    }
}
