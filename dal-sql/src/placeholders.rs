//! The `?` placeholder lexer.
//!
//! Users write `?` for parameters on every backend. PostgreSQL wants `$1, $2, …`, so the text is
//! scanned once, byte by byte, skipping everything where a `?` is not a parameter: string
//! literals (with `''` escapes, and backslash escapes where the dialect has them), quoted
//! identifiers, line and block comments (nested on PostgreSQL) and dollar-quoted bodies. `??`
//! stands for a literal `?` on PostgreSQL, whose jsonb operators `?`, `?|` and `?&` need it.
//!
//! Only ASCII bytes are significant, so multi-byte UTF-8 passes through untouched and every slice
//! boundary falls on a character boundary.

use crate::Dialect;

/// The lexical features a dialect has; each backend file fills one in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LexRules {
    /// `\` escapes the next byte inside `'…'` (and `"…"` when those are strings).
    pub backslash_in_strings: bool,
    /// `E'…'` strings with backslash escapes (PostgreSQL).
    pub escape_strings: bool,
    /// `"…"` is a string literal rather than an identifier (MySQL).
    pub double_quoted_strings: bool,
    /// `` `…` `` quotes identifiers.
    pub backtick_idents: bool,
    /// `[…]` quotes identifiers (SQLite).
    pub bracket_idents: bool,
    /// `#` starts a comment to the end of the line (MySQL).
    pub hash_comments: bool,
    /// A carriage return ends a line comment as a newline does (PostgreSQL; MySQL and SQLite
    /// end it at `\n` only).
    pub cr_ends_line_comments: bool,
    /// `/*! … */` (and MariaDB's `/*M! … */`) hold SQL the server runs; the lexer reads them
    /// as comments (MySQL).
    pub executable_comments: bool,
    /// `/* /* */ */` nests (PostgreSQL).
    pub nested_block_comments: bool,
    /// `$tag$…$tag$` bodies (PostgreSQL).
    pub dollar_quotes: bool,
    /// `??` means a literal `?`; where false, `??` is refused.
    pub literal_question_mark: bool,
}

/// SQL text with its placeholders in native form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// The rewritten SQL text.
    pub sql: String,
    /// How many parameters the text takes.
    pub params: usize,
}

/// Why SQL text could not be rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderError {
    /// A quoted literal, identifier, comment or dollar-quoted body is never closed.
    Unterminated {
        /// What was left open, e.g. "string literal".
        what: &'static str,
        /// Byte offset where it starts.
        offset: usize,
    },
    /// `??` was used where the dialect has no literal `?`.
    LiteralQuestionMark {
        /// Byte offset of the `??`.
        offset: usize,
        /// The dialect that refused it.
        dialect: Dialect,
    },
}

impl std::fmt::Display for PlaceholderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlaceholderError::Unterminated { what, offset } => {
                write!(f, "unterminated {what} starting at byte {offset} of the SQL text")
            }
            PlaceholderError::LiteralQuestionMark { offset, dialect } => write!(
                f,
                "`??` at byte {offset} asks for a literal `?`, which only PostgreSQL has; on {dialect} every `?` is a parameter"
            ),
        }
    }
}

impl std::error::Error for PlaceholderError {}

/// What the lexer finds at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    /// A byte of SQL code.
    Code(u8),
    /// A string literal, quoted identifier, comment or dollar-quoted body.
    Quoted,
    /// `??`: a literal `?`.
    LiteralQuestionMark,
    /// `?`: a parameter.
    Placeholder,
}

/// The token starting at `i`, and where the next one starts.
pub(crate) fn token(
    b: &[u8],
    i: usize,
    rules: LexRules,
) -> Result<(Token, usize), PlaceholderError> {
    let next = b.get(i + 1).copied();
    let quoted = |end| Ok((Token::Quoted, end));
    match b[i] {
        b'\'' => quoted(skip_quoted(b, i, b'\'', rules.backslash_in_strings, "string literal")?),
        b'"' => {
            let (escapes, what) = if rules.double_quoted_strings {
                (rules.backslash_in_strings, "string literal")
            } else {
                (false, "quoted identifier")
            };
            quoted(skip_quoted(b, i, b'"', escapes, what)?)
        }
        b'`' if rules.backtick_idents => {
            quoted(skip_quoted(b, i, b'`', false, "quoted identifier")?)
        }
        b'[' if rules.bracket_idents => quoted(skip_until(b, i, i + 1, b"]", "quoted identifier")?),
        b'E' | b'e' if rules.escape_strings && next == Some(b'\'') && !ident_before(b, i) => {
            quoted(skip_quoted(b, i + 1, b'\'', true, "escape string literal")?)
        }
        b'-' if next == Some(b'-') && line_comment_starts(b, i, rules) => {
            quoted(line_end(b, i, rules))
        }
        b'#' if rules.hash_comments => quoted(line_end(b, i, rules)),
        b'/' if next == Some(b'*') => {
            quoted(skip_block_comment(b, i, rules.nested_block_comments)?)
        }
        b'$' if rules.dollar_quotes && !ident_before(b, i) => match dollar_tag(b, i) {
            Some(tag_end) => {
                quoted(skip_until(b, i, tag_end, &b[i..tag_end], "dollar-quoted body")?)
            }
            None => Ok((Token::Code(b'$'), i + 1)),
        },
        b'?' if next == Some(b'?') => Ok((Token::LiteralQuestionMark, i + 2)),
        b'?' => Ok((Token::Placeholder, i + 1)),
        c => Ok((Token::Code(c), i + 1)),
    }
}

pub(crate) fn rewrite(
    sql: &str,
    dialect: Dialect,
    rules: LexRules,
) -> Result<Rewritten, PlaceholderError> {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut params = 0;
    let mut copied = 0; // bytes of `sql` already in `out`
    let mut i = 0;
    while i < b.len() {
        let (tok, end) = token(b, i, rules)?;
        match tok {
            Token::LiteralQuestionMark => {
                if !rules.literal_question_mark {
                    return Err(PlaceholderError::LiteralQuestionMark { offset: i, dialect });
                }
                out.push_str(&sql[copied..=i]);
                copied = end;
            }
            Token::Placeholder => {
                params += 1;
                out.push_str(&sql[copied..i]);
                dialect.push_placeholder(&mut out, params);
                copied = end;
            }
            Token::Code(_) | Token::Quoted => {}
        }
        i = end;
    }
    out.push_str(&sql[copied..]);
    Ok(Rewritten { sql: out, params })
}

/// The byte range of the row in `INSERT … VALUES (…)` when the statement ends with exactly one
/// such row (then more rows can follow it); `None` for any other statement.
pub(crate) fn values_row(
    sql: &str,
    rules: LexRules,
) -> Result<Option<(usize, usize)>, PlaceholderError> {
    let b = sql.as_bytes();
    let (mut i, mut depth, mut after_values) = (0, 0_i32, None);
    while i < b.len() {
        let (tok, end) = token(b, i, rules)?;
        match tok {
            Token::Code(b'(') => depth += 1,
            Token::Code(b')') => depth -= 1,
            Token::Code(c) if depth == 0 && c.is_ascii_alphabetic() && !ident_before(b, i) => {
                let word_end =
                    b[i..].iter().position(|c| !is_ident_byte(*c)).map_or(b.len(), |p| i + p);
                if sql[i..word_end].eq_ignore_ascii_case("values") {
                    after_values = Some(word_end);
                }
                i = word_end;
                continue;
            }
            _ => {}
        }
        i = end;
    }
    let Some(mut i) = after_values else { return Ok(None) };
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if b.get(i) != Some(&b'(') {
        return Ok(None);
    }
    let start = i;
    let mut depth = 0;
    while i < b.len() {
        let (tok, end) = token(b, i, rules)?;
        i = end;
        match tok {
            Token::Code(b'(') => depth += 1,
            Token::Code(b')') => {
                depth -= 1;
                if depth == 0 {
                    let rest_is_blank =
                        b[i..].iter().all(|c| c.is_ascii_whitespace() || *c == b';');
                    return Ok(rest_is_blank.then_some((start, i)));
                }
            }
            _ => {}
        }
    }
    Ok(None)
}

pub(crate) fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Whether the byte before `i` continues an identifier (so `e'` or `$` there is not special).
pub(crate) fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && is_ident_byte(b[i - 1])
}

/// MySQL only treats `--` as a comment when whitespace or the end follows it.
fn line_comment_starts(b: &[u8], i: usize, rules: LexRules) -> bool {
    if !rules.hash_comments {
        return true;
    }
    b.get(i + 2).is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_control())
}

/// Just past the end of the line comment starting at `i`: past its line break, or the end of
/// the text.
fn line_end(b: &[u8], i: usize, rules: LexRules) -> usize {
    b[i..].iter().position(|&c| ends_line(c, rules)).map_or(b.len(), |p| i + p + 1)
}

/// Whether `c` ends a line comment.
pub(crate) fn ends_line(c: u8, rules: LexRules) -> bool {
    c == b'\n' || (c == b'\r' && rules.cr_ends_line_comments)
}

/// Skips a literal opened by `quote` at `start`; a doubled quote is an escaped quote.
fn skip_quoted(
    b: &[u8],
    start: usize,
    quote: u8,
    backslash: bool,
    what: &'static str,
) -> Result<usize, PlaceholderError> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            c if c == quote && b.get(i + 1) == Some(&quote) => i += 2,
            c if c == quote => return Ok(i + 1),
            b'\\' if backslash => i += 2,
            _ => i += 1,
        }
    }
    Err(PlaceholderError::Unterminated { what, offset: start })
}

/// Skips to just past the first `close` found at or after `from`.
fn skip_until(
    b: &[u8],
    start: usize,
    from: usize,
    close: &[u8],
    what: &'static str,
) -> Result<usize, PlaceholderError> {
    b[from..]
        .windows(close.len())
        .position(|w| w == close)
        .map(|p| from + p + close.len())
        .ok_or(PlaceholderError::Unterminated { what, offset: start })
}

fn skip_block_comment(b: &[u8], start: usize, nested: bool) -> Result<usize, PlaceholderError> {
    let mut depth = 1;
    let mut i = start + 2;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'*', Some(b'/')) => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Ok(i);
                }
            }
            (b'/', Some(b'*')) if nested => {
                depth += 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    Err(PlaceholderError::Unterminated { what: "block comment", offset: start })
}

/// Returns the end of a `$tag$` opener at `i`, or `None` when `$` starts something else
/// (`$1`, a lone `$`).
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    while let Some(&c) = b.get(j) {
        if c == b'$' {
            return Some(j + 1);
        }
        if !(c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80) {
            return None;
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str) -> String {
        Dialect::Postgres.rewrite_placeholders(sql).expect("rewrites").sql
    }

    #[test]
    fn numbers_placeholders_for_postgres() {
        assert_eq!(pg("a = ? AND b = ?"), "a = $1 AND b = $2");
        let r = Dialect::MySql.rewrite_placeholders("a = ? AND b = ?").expect("rewrites");
        assert_eq!((r.sql.as_str(), r.params), ("a = ? AND b = ?", 2));
    }

    #[test]
    fn leaves_question_marks_in_literals_alone() {
        assert_eq!(pg("'?' ? 'it''s ?' ?"), "'?' $1 'it''s ?' $2");
        assert_eq!(pg(r#""col?" = ?"#), r#""col?" = $1"#);
        assert_eq!(pg("E'\\'?' = ?"), "E'\\'?' = $1");
        assert_eq!(pg("-- ?\n?"), "-- ?\n$1");
        // PostgreSQL ends a line comment at a carriage return too.
        assert_eq!(pg("-- ?\r?"), "-- ?\r$1");
        assert_eq!(pg("/* ? /* ? */ ? */ ?"), "/* ? /* ? */ ? */ $1");
        assert_eq!(pg("$$ ? $$ ?"), "$$ ? $$ $1");
        assert_eq!(pg("$fn$ ? $x$ ? $fn$ ?"), "$fn$ ? $x$ ? $fn$ $1");
        // `$` inside an identifier or before a digit opens no dollar quote.
        assert_eq!(pg("x$y$ = ? AND $9"), "x$y$ = $1 AND $9");
    }

    #[test]
    fn double_question_mark_is_a_literal_on_postgres_only() {
        assert_eq!(pg("data ?? 'k' AND id = ?"), "data ? 'k' AND id = $1");
        assert!(matches!(
            Dialect::MySql.rewrite_placeholders("a ?? b"),
            Err(PlaceholderError::LiteralQuestionMark { offset: 2, .. })
        ));
    }

    #[test]
    fn mysql_rules() {
        let my = |s: &str| Dialect::MySql.rewrite_placeholders(s).expect("rewrites").params;
        assert_eq!(my(r"'\'?' ?"), 1);
        assert_eq!(
            my(r#""?" `?` # ?
 ?"#),
            1
        );
        assert_eq!(my("1--1 = ?"), 1, "`--` without a space is arithmetic on MySQL");
        assert_eq!(my("-- ?\n?"), 1);
        assert_eq!(my("-- ?\r?"), 0, "only a newline ends a comment on MySQL");
    }

    #[test]
    fn sqlite_rules() {
        let lite = |s: &str| Dialect::Sqlite.rewrite_placeholders(s).expect("rewrites").params;
        assert_eq!(lite("[a?] `b?` \"c?\" ?"), 1);
    }

    #[test]
    fn unterminated_constructs_are_errors() {
        for (sql, what) in [
            ("'abc ?", "string literal"),
            ("\"abc", "quoted identifier"),
            ("/* ?", "block comment"),
            ("$a$ ? $b$", "dollar-quoted body"),
        ] {
            assert_eq!(
                Dialect::Postgres.rewrite_placeholders(sql),
                Err(PlaceholderError::Unterminated { what, offset: 0 }),
                "{sql}"
            );
        }
    }

    #[test]
    fn keeps_unicode() {
        assert_eq!(pg("'é?' = ? -- ü"), "'é?' = $1 -- ü");
    }
}
