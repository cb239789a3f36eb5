//! PostgreSQL's SQL text rules.

use crate::placeholders::LexRules;

pub(super) const IDENT_QUOTE: char = '"';

pub(super) const LEX_RULES: LexRules = LexRules {
    backslash_in_strings: false,
    escape_strings: true,
    double_quoted_strings: false,
    backtick_idents: false,
    bracket_idents: false,
    hash_comments: false,
    nested_block_comments: true,
    dollar_quotes: true,
    literal_question_mark: true,
};

pub(super) fn push_placeholder(out: &mut String, index: usize) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(out, "${index}");
}
