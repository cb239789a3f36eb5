//! MySQL's and MariaDB's SQL text rules.

use crate::placeholders::LexRules;

pub(super) const IDENT_QUOTE: char = '`';

pub(super) const LEX_RULES: LexRules = LexRules {
    // Default sql_mode treats backslash as an escape inside both quote styles.
    backslash_in_strings: true,
    escape_strings: false,
    double_quoted_strings: true,
    backtick_idents: true,
    bracket_idents: false,
    hash_comments: true,
    nested_block_comments: false,
    dollar_quotes: false,
    // A bare `?` is always a parameter here: there is no operator to escape.
    literal_question_mark: false,
};

pub(super) const TABLE_SUFFIX: &str = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
