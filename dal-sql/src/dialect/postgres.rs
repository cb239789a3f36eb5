//! PostgreSQL's SQL text rules.

use crate::IsolationLevel;
use crate::placeholders::LexRules;

pub(super) const IDENT_QUOTE: char = '"';

/// A decimal column: `NUMERIC(p, s)`, or without them unconstrained (any `Decimal` fits).
pub(super) const DECIMAL: &str = "NUMERIC";

pub(super) const LEX_RULES: LexRules = LexRules {
    backslash_in_strings: false,
    escape_strings: true,
    double_quoted_strings: false,
    backtick_idents: false,
    bracket_idents: false,
    hash_comments: false,
    cr_ends_line_comments: true,
    executable_comments: false,
    nested_block_comments: true,
    dollar_quotes: true,
    literal_question_mark: true,
};

/// How a server may read text besides [`LEX_RULES`], by the setting that makes it so:
/// with `standard_conforming_strings` off, `\` escapes inside `'…'` as well.
pub(super) const OTHER_READINGS: &[(LexRules, &str)] =
    &[(LexRules { backslash_in_strings: true, ..LEX_RULES }, "standard_conforming_strings off")];

pub(super) fn push_placeholder(out: &mut String, index: usize) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(out, "${index}");
}

pub(super) fn begin_with(isolation: Option<IsolationLevel>, read_only: bool) -> String {
    let mut sql = String::from("BEGIN");
    if let Some(level) = isolation {
        sql.push_str(" ISOLATION LEVEL ");
        sql.push_str(level.as_sql());
    }
    if read_only {
        sql.push_str(" READ ONLY");
    }
    sql
}

/// See `Dialect::table_indexes_sql`: `pg_index` keeps the key columns' numbers in order.
pub(super) const TABLE_INDEXES: &str = "SELECT CAST(i.relname AS TEXT), \
     CAST(CASE WHEN x.indisunique THEN 1 ELSE 0 END AS BIGINT), \
     CAST(COALESCE(array_to_string(ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(num, pos) \
     JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num ORDER BY k.pos), ','), '') AS TEXT) \
     FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid \
     JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE n.nspname = current_schema() AND t.relname = ? AND NOT x.indisprimary";
