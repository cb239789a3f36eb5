//! SQLite's SQL text rules.

use crate::placeholders::LexRules;

pub(super) const IDENT_QUOTE: char = '"';

/// A decimal column: its text, compared by value through the collation the drivers register
/// (`crate::decimal::SQLITE_COLLATION`). SQLite checks no precision, so there is one type.
pub(super) const DECIMAL: &str = "TEXT COLLATE dal_decimal";

pub(super) const LEX_RULES: LexRules = LexRules {
    backslash_in_strings: false,
    escape_strings: false,
    double_quoted_strings: false,
    // SQLite accepts MySQL's and SQL Server's identifier quotes too.
    backtick_idents: true,
    bracket_idents: true,
    hash_comments: false,
    cr_ends_line_comments: false,
    executable_comments: false,
    nested_block_comments: false,
    dollar_quotes: false,
    literal_question_mark: false,
};

/// No setting changes how SQLite reads text.
pub(super) const OTHER_READINGS: &[(LexRules, &str)] = &[];

pub(super) const BEGIN: &str = "BEGIN IMMEDIATE";

pub(super) const fn begin_with(read_only: bool) -> &'static str {
    if read_only { "BEGIN DEFERRED; PRAGMA query_only = ON" } else { BEGIN }
}

pub(super) const END_READ_ONLY: &str = "PRAGMA query_only = OFF";

/// See `Dialect::table_indexes_sql`: `pragma_index_info` lists an index's columns by `seqno`.
pub(super) const TABLE_INDEXES: &str = "SELECT il.name, il.\"unique\", \
     COALESCE((SELECT group_concat(ii.name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) AS ii), '') \
     FROM pragma_index_list(?) AS il WHERE il.origin <> 'pk'";
