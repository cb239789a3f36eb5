//! The `?` placeholder lexer.
//!
//! Users write `?` for parameters on every backend. PostgreSQL wants `$1, $2, …`, so the text is
//! scanned once, byte by byte, skipping everything where a `?` is not a parameter: string
//! literals (with `''` escapes, and backslash escapes where the dialect has them), quoted
//! identifiers, line and block comments (nested on PostgreSQL) and dollar-quoted bodies. `??`
//! stands for a literal `?` on PostgreSQL, whose jsonb operators `?`, `?|` and `?&` (and the
//! geometric `?-`, `?|`, `?#`…) need it; a lone `?` is always a parameter, so `?|` unescaped is a
//! parameter followed by `|`.
//!
//! Two spellings could bind a value to the wrong place, so they are refused outside the skipped
//! constructs, on every backend:
//! - `?` directly followed by a digit (`?1`, SQLite's numbered form): on PostgreSQL it would
//!   become `$11`, on SQLite it would number parameters differently from the values bound in
//!   order. `??1` is still a literal `?` followed by `1`.
//! - native `$n` mixed with `?`: the `?` are numbered from `$1`, so a `$1` written by hand would
//!   silently take the first `?`'s value.
//!
//! Text with `$n` and no `?` stays accepted and is passed to the server as written: dal binds
//! values to `?` only, so no value can land in a `$n` (binding one is a count mismatch, and
//! [`Rewritten::numbered`] lets the caller say why). The server decides what such a `$n` means,
//! which is what PostgreSQL statements whose `$n` belong to something else need (`PREPARE … AS`,
//! SQL-standard `BEGIN ATOMIC` function bodies); on MySQL `$1` is an identifier.
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
    /// The first native `$n` outside the skipped constructs, passed to the server as written
    /// (only possible when the text has no `?`); dal binds nothing to it.
    pub numbered: Option<String>,
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
    /// `?` directly followed by digits (`?1`), SQLite's numbered form.
    NumberedQuestionMark {
        /// Byte offset of the `?`.
        offset: usize,
        /// The placeholder as written, e.g. `?1`.
        text: String,
    },
    /// Native `$n` and `?` in one statement.
    MixedPlaceholders {
        /// Byte offset of the first `$n`.
        offset: usize,
        /// The first `$n` as written, e.g. `$1`.
        text: String,
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
            PlaceholderError::NumberedQuestionMark { offset, text } => write!(
                f,
                "`{text}` at byte {offset} is SQLite's numbered form, which dal does not take: write `?` and bind values in order"
            ),
            PlaceholderError::MixedPlaceholders { offset, text } => write!(
                f,
                "the statement mixes `{text}` (at byte {offset}) with `?`: use `?` only and bind values in order"
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
    /// `?` directly followed by digits: SQLite's numbered form, which dal refuses.
    NumberedQuestionMark,
    /// `$` followed by digits, not inside an identifier: PostgreSQL's native parameter.
    DollarNumber,
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
        b'$' if is_digit(next) && !ident_before(b, i) => {
            Ok((Token::DollarNumber, digits_end(b, i + 1)))
        }
        b'$' if rules.dollar_quotes && !ident_before(b, i) => match dollar_tag(b, i) {
            Some(tag_end) => {
                quoted(skip_until(b, i, tag_end, &b[i..tag_end], "dollar-quoted body")?)
            }
            None => Ok((Token::Code(b'$'), i + 1)),
        },
        b'?' if next == Some(b'?') => Ok((Token::LiteralQuestionMark, i + 2)),
        b'?' if is_digit(next) => Ok((Token::NumberedQuestionMark, digits_end(b, i + 1))),
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
    // The first `$n`, to name it when a `?` comes too (whichever comes first).
    let mut numbered: Option<(usize, usize)> = None;
    let mixed = |(offset, end): (usize, usize)| PlaceholderError::MixedPlaceholders {
        offset,
        text: sql[offset..end].to_owned(),
    };
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
                if let Some(first) = numbered {
                    return Err(mixed(first));
                }
                params += 1;
                out.push_str(&sql[copied..i]);
                dialect.push_placeholder(&mut out, params);
                copied = end;
            }
            Token::NumberedQuestionMark => {
                let text = sql[i..end].to_owned();
                return Err(PlaceholderError::NumberedQuestionMark { offset: i, text });
            }
            Token::DollarNumber => {
                let first = *numbered.get_or_insert((i, end));
                if params > 0 {
                    return Err(mixed(first));
                }
            }
            Token::Code(_) | Token::Quoted => {}
        }
        i = end;
    }
    out.push_str(&sql[copied..]);
    let numbered = numbered.map(|(start, end)| sql[start..end].to_owned());
    Ok(Rewritten { sql: out, params, numbered })
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

fn is_digit(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

/// Where the run of digits starting at `from` ends.
fn digits_end(b: &[u8], from: usize) -> usize {
    b[from..].iter().position(|c| !c.is_ascii_digit()).map_or(b.len(), |p| from + p)
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

/// Returns the end of a `$tag$` opener at `i`, or `None` when `$` starts something else (a
/// lone `$`; `$1` never gets here, see [`token`]).
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
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
mod tests;
