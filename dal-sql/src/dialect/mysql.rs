//! MySQL's and MariaDB's SQL text rules.

use crate::IsolationLevel;
use crate::placeholders::LexRules;

pub(super) const IDENT_QUOTE: char = '`';

/// A decimal column: `DECIMAL(p, s)`. A bare `DECIMAL` is `DECIMAL(10, 0)`, which drops every
/// fraction; without a precision dal declares the type that holds every `rust_decimal::Decimal`
/// (at most 29 integer digits, at most 28 after the point).
pub(super) const DECIMAL: &str = "DECIMAL";
pub(super) const DECIMAL_DEFAULT: &str = "DECIMAL(65, 28)";

pub(super) const LEX_RULES: LexRules = LexRules {
    // Default sql_mode treats backslash as an escape inside both quote styles.
    backslash_in_strings: true,
    escape_strings: false,
    double_quoted_strings: true,
    backtick_idents: true,
    bracket_idents: false,
    hash_comments: true,
    cr_ends_line_comments: false,
    executable_comments: true,
    nested_block_comments: false,
    dollar_quotes: false,
    // A bare `?` is always a parameter here: there is no operator to escape.
    literal_question_mark: false,
};

/// How a server may read text besides [`LEX_RULES`], by the `sql_mode` that makes it so:
/// `NO_BACKSLASH_ESCAPES` makes `\` a plain character, `ANSI_QUOTES` makes `"…"` an
/// identifier.
pub(super) const OTHER_READINGS: &[(LexRules, &str)] = &[
    (LexRules { backslash_in_strings: false, ..LEX_RULES }, "sql_mode NO_BACKSLASH_ESCAPES"),
    (LexRules { double_quoted_strings: false, ..LEX_RULES }, "sql_mode ANSI_QUOTES"),
    (
        LexRules { backslash_in_strings: false, double_quoted_strings: false, ..LEX_RULES },
        "sql_mode ANSI_QUOTES,NO_BACKSLASH_ESCAPES",
    ),
];

pub(super) const TABLE_SUFFIX: &str = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// `SET TRANSACTION` applies to the next transaction only, so both go in one round trip.
pub(super) fn begin_with(isolation: Option<IsolationLevel>, read_only: bool) -> String {
    let mut sql = String::new();
    if let Some(level) = isolation {
        sql.push_str("SET TRANSACTION ISOLATION LEVEL ");
        sql.push_str(level.as_sql());
        sql.push_str("; ");
    }
    sql.push_str(if read_only { "START TRANSACTION READ ONLY" } else { "START TRANSACTION" });
    sql
}

/// MariaDB's `max_statement_time` is in seconds (fractions allowed); 0 means no limit.
pub(super) fn statement_timeout(millis: u64) -> String {
    format!("SET max_statement_time = {}.{:03}", millis / 1000, millis % 1000)
}

/// Whether the first keyword of `sql` (after blanks and comments) starts a DDL statement.
pub(super) fn is_ddl(sql: &str) -> bool {
    let mut rest = sql.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else if rest.starts_with("-- ") || rest.starts_with('#') {
            rest = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    let word: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    ["CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME"].iter().any(|k| word.eq_ignore_ascii_case(k))
}

/// See `Dialect::table_indexes_sql`: one `STATISTICS` row per key column.
pub(super) const TABLE_INDEXES: &str = "SELECT CAST(INDEX_NAME AS CHAR), CAST(MIN(1 - NON_UNIQUE) AS SIGNED), \
     CAST(GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ',') AS CHAR) \
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
     AND INDEX_NAME <> 'PRIMARY' GROUP BY INDEX_NAME";

#[cfg(test)]
mod tests {
    #[test]
    fn recognizes_ddl_after_comments() {
        assert!(super::is_ddl("  create table t (x int)"));
        assert!(super::is_ddl("/* tag */ -- note\n DROP TABLE t"));
        assert!(!super::is_ddl("INSERT INTO creates VALUES (1)"));
        assert!(!super::is_ddl("SELECT 'CREATE'"));
    }
}
