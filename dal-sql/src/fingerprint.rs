//! SQL fingerprints: the shape of a statement with its literal values taken out, so the
//! slow-query log can group statements that differ only in the values they carry.
//!
//! The text is scanned with the placeholder lexer ([`crate::placeholders`]), so quoting rules
//! live in one place. The fingerprint does not know the backend, so it uses one fixed set of
//! rules that reads the SQL of all three: `'…'` strings with `''` escapes, `E'…'` and
//! `$tag$…$tag$` bodies as literals, `"…"` and `` `…` `` as identifiers (ANSI: double quotes
//! never make a string), `--` and (nesting) `/* */` comments. `#` is no comment and `[` quotes
//! nothing, since PostgreSQL uses both as operators (`#>`, `arr[1]`).

use crate::placeholders::{LexRules, Token, is_ident_byte, token};

/// The lexical rules of a fingerprint (see the module documentation).
const RULES: LexRules = LexRules {
    backslash_in_strings: false,
    escape_strings: true,
    double_quoted_strings: false,
    backtick_idents: true,
    bracket_idents: false,
    hash_comments: false,
    cr_ends_line_comments: false,
    executable_comments: false,
    nested_block_comments: true,
    dollar_quotes: true,
    literal_question_mark: true,
};

/// The normalized shape of `sql`: the same text for statements that differ only in literal
/// values, placeholders, comments and whitespace.
///
/// - Comments (`-- …`, `/* … */`, including a trailing sqlcommenter comment from
///   [`with_tags`](crate::with_tags)) are removed.
/// - String literals (`'…'`, `E'…'`, `$$…$$`), numbers (`42`, `-1.5` gives `-?`, `2.5e-3`,
///   `0x1F`) and placeholders (`?`, `$1`) become `?`. Digits inside identifiers (`t1`) stay.
/// - Double-quoted and backquoted identifiers, keywords and names are kept exactly as written.
/// - Each run of whitespace becomes one space; leading and trailing whitespace goes.
/// - A parenthesized list of nothing but `?`, such as `(?, ?, ?)`, becomes `(?+)`, and a
///   comma-separated run of such lists becomes one, so `IN (1, 2)` and `IN (3)` agree and so do
///   `VALUES (1, 'a')` and `VALUES (1, 'a'), (2, 'b')`.
///
/// Any input is accepted: an unterminated string, identifier or comment runs to the end of the
/// text.
///
/// ```
/// let a = dal_sql::fingerprint("SELECT * FROM t WHERE id IN (1, 2, 3) AND name = 'x' -- hi");
/// let b = dal_sql::fingerprint("SELECT *  FROM t\nWHERE id IN ($1) AND name = $2");
/// assert_eq!(a, "SELECT * FROM t WHERE id IN (?+) AND name = ?");
/// assert_eq!(a, b);
/// ```
pub fn fingerprint(sql: &str) -> String {
    let b = sql.as_bytes();
    let digit_at = |j: usize| b.get(j).is_some_and(u8::is_ascii_digit);
    let mut out = Pieces::default();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            out.push(Piece::Space);
            i += 1;
            continue;
        }
        // The lexer's only error is a construct left open at `i`: it runs to the end.
        let (tok, end) = token(b, i, RULES).unwrap_or((Token::Quoted, b.len()));
        i = match tok {
            Token::Quoted => {
                out.push(match b[i] {
                    b'\'' | b'E' | b'e' | b'$' => Piece::Param,
                    b'-' | b'/' => Piece::Space,
                    // `"…"` and `` `…` ``: identifiers, kept as written.
                    _ => Piece::Text(&sql[i..end]),
                });
                end
            }
            Token::Placeholder | Token::NumberedQuestionMark | Token::DollarNumber => {
                out.push(Piece::Param);
                end
            }
            Token::LiteralQuestionMark => {
                out.push(Piece::Text(&sql[i..end]));
                end
            }
            Token::Code(b'(') => {
                out.push(Piece::Open);
                end
            }
            Token::Code(b')') => {
                out.push(Piece::Close);
                end
            }
            Token::Code(b',') => {
                out.push(Piece::Comma);
                end
            }
            Token::Code(c) if c.is_ascii_digit() || (c == b'.' && digit_at(i + 1)) => {
                let num_end = number_end(b, i);
                if b.get(num_end).is_some_and(|&c| is_ident_byte(c))
                    && !sql[i..num_end].contains('.')
                {
                    // A name that starts with digits (MySQL allows `1st_table`).
                    let word_end = run_end(b, i, is_ident_byte);
                    out.push(Piece::Text(&sql[i..word_end]));
                    word_end
                } else {
                    out.push(Piece::Param);
                    num_end
                }
            }
            Token::Code(c) if is_ident_byte(c) => {
                // A whole word at once, so digits and `$` inside it are never read alone.
                let word_end = run_end(b, i, is_ident_byte);
                out.push(Piece::Text(&sql[i..word_end]));
                word_end
            }
            // Any other ASCII byte (operators, `.`, `;`), a character of its own.
            Token::Code(_) => {
                out.push(Piece::Text(&sql[i..end]));
                end
            }
        };
    }
    out.finish()
}

/// The first position at or after `i` whose byte does not satisfy `keep`.
fn run_end(b: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while b.get(i).is_some_and(|&c| keep(c)) {
        i += 1;
    }
    i
}

/// The end of the number starting at `i` (a digit, or `.` before a digit): `0x1F`, `0b101`,
/// `0o17`, or digits with an optional fraction and exponent. `_` between digits (`1_000`)
/// belongs to the number.
fn number_end(b: &[u8], i: usize) -> usize {
    let digits = |mut j: usize, is_digit: fn(&u8) -> bool| {
        let start = j;
        while b.get(j).is_some_and(is_digit)
            || (b.get(j) == Some(&b'_') && j > start && b.get(j + 1).is_some_and(is_digit))
        {
            j += 1;
        }
        j
    };
    if b[i] == b'0' {
        let radix: Option<fn(&u8) -> bool> = match b.get(i + 1) {
            Some(b'x' | b'X') => Some(u8::is_ascii_hexdigit),
            Some(b'b' | b'B') => Some(|c| matches!(c, b'0' | b'1')),
            Some(b'o' | b'O') => Some(|c| matches!(c, b'0'..=b'7')),
            _ => None,
        };
        if let Some(is_digit) = radix.filter(|is_digit| b.get(i + 2).is_some_and(is_digit)) {
            return digits(i + 2, is_digit);
        }
    }
    let mut j = digits(i, u8::is_ascii_digit);
    if b.get(j) == Some(&b'.') {
        j = digits(j + 1, u8::is_ascii_digit);
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let k = if matches!(b.get(j + 1), Some(b'+' | b'-')) { j + 2 } else { j + 1 };
        if b.get(k).is_some_and(u8::is_ascii_digit) {
            j = digits(k, u8::is_ascii_digit);
        }
    }
    j
}

/// One piece of the fingerprint being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    /// Text kept as written: a word, a quoted identifier, an operator.
    Text(&'a str),
    /// One space (never two in a row, never first).
    Space,
    /// `?`: a literal or a placeholder.
    Param,
    /// `(?+)`: a parenthesized list of parameters.
    List,
    /// `(`.
    Open,
    /// `)`.
    Close,
    /// `,`.
    Comma,
}

/// The pieces of a fingerprint, normalized as they are pushed.
#[derive(Debug, Default)]
struct Pieces<'a>(Vec<Piece<'a>>);

impl<'a> Pieces<'a> {
    fn push(&mut self, piece: Piece<'a>) {
        match piece {
            Piece::Space if matches!(self.0.last(), None | Some(Piece::Space)) => {}
            Piece::Close => match self.param_list_start() {
                Some(open) => {
                    self.0.truncate(open);
                    self.push_list();
                }
                None => self.0.push(piece),
            },
            _ => self.0.push(piece),
        }
    }

    /// Pushes `(?+)`, unless it follows `(?+),`, which stands for it already.
    fn push_list(&mut self) {
        if let Some((comma, Piece::Comma)) = self.before(self.0.len())
            && let Some((list, Piece::List)) = self.before(comma)
        {
            self.0.truncate(list + 1);
        } else {
            self.0.push(Piece::List);
        }
    }

    /// Where `(` opens the list when the pieces end in `( ?, ?, … ?` (spaces allowed).
    fn param_list_start(&self) -> Option<usize> {
        let (mut at, Piece::Param) = self.before(self.0.len())? else { return None };
        loop {
            match self.before(at)? {
                (open, Piece::Open) => return Some(open),
                (comma, Piece::Comma) => match self.before(comma)? {
                    (param, Piece::Param) => at = param,
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// The last piece before position `at` that is not a space, and its position.
    fn before(&self, at: usize) -> Option<(usize, Piece<'a>)> {
        self.0[..at].iter().rposition(|p| *p != Piece::Space).map(|j| (j, self.0[j]))
    }

    fn finish(mut self) -> String {
        if self.0.last() == Some(&Piece::Space) {
            self.0.pop();
        }
        let mut out = String::new();
        for piece in self.0 {
            out.push_str(match piece {
                Piece::Text(text) => text,
                Piece::Space => " ",
                Piece::Param => "?",
                Piece::List => "(?+)",
                Piece::Open => "(",
                Piece::Close => ")",
                Piece::Comma => ",",
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint as fp;

    #[test]
    fn removes_comments() {
        assert_eq!(fp("SELECT a -- the a column\nFROM t"), "SELECT a FROM t");
        assert_eq!(fp("SELECT /* hint */ a FROM t"), "SELECT a FROM t");
        assert_eq!(fp("SELECT a/**/FROM t"), "SELECT a FROM t", "a comment separates words");
        assert_eq!(fp("SELECT 1 /* a /* nested */ comment */"), "SELECT ?");
        assert_eq!(
            fp("SELECT * FROM t WHERE id = 1 /*route='/x'*/"),
            "SELECT * FROM t WHERE id = ?"
        );
        let tagged = crate::with_tags("SELECT * FROM t WHERE id = 1", &[("route", "/users/{id}")]);
        assert_eq!(fp(&tagged), fp("SELECT * FROM t WHERE id = 2"));
        assert_eq!(fp("SELECT a - -1"), "SELECT a - -?");
    }

    #[test]
    fn replaces_string_literals() {
        assert_eq!(fp("SELECT 'abc', 'it''s', ''"), "SELECT ?, ?, ?");
        assert_eq!(fp("WHERE a = 'x -- not a comment /* either */'"), "WHERE a = ?");
        assert_eq!(
            fp("WHERE a = E'\\'' AND b = $$ it's $$ AND c = $f$x$f$"),
            "WHERE a = ? AND b = ? AND c = ?"
        );
        assert_eq!(fp("SELECT 'é?'"), "SELECT ?");
    }

    #[test]
    fn keeps_quoted_identifiers() {
        assert_eq!(
            fp(r#"SELECT "My Col", `other 1` FROM "T1""#),
            r#"SELECT "My Col", `other 1` FROM "T1""#
        );
        assert_eq!(
            fp(r#"WHERE "a""b" = "x""#),
            r#"WHERE "a""b" = "x""#,
            "double quotes are no string"
        );
        assert_eq!(fp(r#"SELECT "(1, 2)", "?", "--x""#), r#"SELECT "(1, 2)", "?", "--x""#);
    }

    #[test]
    fn replaces_numbers() {
        assert_eq!(
            fp("SELECT 1, 42, 3.14, .5, 1., 1e10, 2.5E-3, 6e+2"),
            "SELECT ?, ?, ?, ?, ?, ?, ?, ?"
        );
        assert_eq!(fp("SELECT 0x1F, 0b101, 0o17, 1_000_000"), "SELECT ?, ?, ?, ?");
        assert_eq!(fp("SELECT -1, a+2, a*3"), "SELECT -?, a+?, a*?");
        assert_eq!(fp("LIMIT 10 OFFSET 20"), "LIMIT ? OFFSET ?");
    }

    #[test]
    fn keeps_digits_inside_names() {
        assert_eq!(
            fp("SELECT t1.c2, col_3, x$1, é1 FROM t1"),
            "SELECT t1.c2, col_3, x$1, é1 FROM t1"
        );
        assert_eq!(fp("SELECT * FROM 1st_table"), "SELECT * FROM 1st_table");
        assert_eq!(fp("SELECT c::int4 FROM t"), "SELECT c::int4 FROM t");
    }

    #[test]
    fn replaces_placeholders() {
        assert_eq!(fp("a = ? AND b = $1 AND c = $12"), "a = ? AND b = ? AND c = ?");
        assert_eq!(fp("a = ? AND b = $1"), fp("a = 'x' AND b = 2"));
        assert_eq!(fp("a = ?1 AND b = ?"), "a = ? AND b = ?", "SQLite's `?1` is one placeholder");
        assert_eq!(fp("data ?? 'k'"), "data ?? ?", "`??` is the literal `?` operator");
    }

    #[test]
    fn collapses_whitespace() {
        assert_eq!(fp("  SELECT\n\ta ,\r\n  b\t FROM   t ;  \n"), "SELECT a , b FROM t ;");
        assert_eq!(fp(" \n\t "), "");
        assert_eq!(fp("-- only a comment"), "");
    }

    #[test]
    fn keeps_case() {
        assert_eq!(fp("select A from T where x = 1"), "select A from T where x = ?");
        assert_ne!(fp("select a from t"), fp("SELECT a FROM t"));
    }

    #[test]
    fn collapses_parameter_lists() {
        let three = fp("SELECT * FROM t WHERE id IN (1, 2, 3)");
        assert_eq!(three, "SELECT * FROM t WHERE id IN (?+)");
        assert_eq!(fp("SELECT * FROM t WHERE id IN (4)"), three);
        assert_eq!(fp("SELECT * FROM t WHERE id IN ( ?,$2 , 'x' )"), three);
        assert_eq!(fp("INSERT INTO t (a, b) VALUES (?, ?)"), "INSERT INTO t (a, b) VALUES (?+)");
        assert_eq!(
            fp("INSERT INTO t (a, b) VALUES (1, 'a'), (2, 'b'),(3, 'c') ON CONFLICT DO NOTHING"),
            "INSERT INTO t (a, b) VALUES (?+) ON CONFLICT DO NOTHING"
        );
        assert_eq!(fp("WHERE (a, b) IN ((1, 2), (3, 4))"), "WHERE (a, b) IN ((?+))");
        assert_eq!(fp("SELECT now(), f(a, 1), g(1, 2)"), "SELECT now(), f(a, ?), g(?+)");
        assert_eq!(fp("VALUES (1, now()), (2, now())"), "VALUES (?, now()), (?, now())");
        assert_eq!(fp("SELECT (?+)"), "SELECT (?+)", "already a fingerprint");
    }

    #[test]
    fn never_panics() {
        let nasty = [
            "",
            "'",
            "SELECT 'unterminated",
            "SELECT \"unterminated",
            "SELECT `unterminated",
            "SELECT 1 /*",
            "/*",
            "*/",
            "--",
            "$",
            "$$",
            "$a$ body",
            "$1$",
            "E'\\",
            "e'",
            "0x",
            "1e",
            "1e+",
            ".",
            "((((",
            "))))",
            ",(,),",
            "(?,",
            "??",
            "SELECT 'é' FROM tä WHERE ü = 1 /* ☃ */ AND \"日本\" = '語'",
            "\u{0}\u{7f}\u{feff}𝔘",
        ];
        for sql in nasty {
            // Every prefix that ends on a character boundary, so each construct is cut short.
            for (end, _) in sql.char_indices().chain([(sql.len(), ' ')]) {
                let _ = fp(&sql[..end]);
            }
        }
        assert_eq!(fp(""), "");
        assert_eq!(fp("SELECT 'unterminated"), "SELECT ?");
        assert_eq!(fp("SELECT \"unterminated"), "SELECT \"unterminated");
        assert_eq!(fp("SELECT 1 /* unterminated"), "SELECT ?");
        assert_eq!(fp("SELECT $a$ unterminated"), "SELECT ?");
        assert_eq!(
            fp("SELECT 'é' FROM tä WHERE ü = 1 /* ☃ */ AND \"日本\" = '語'"),
            "SELECT ? FROM tä WHERE ü = ? AND \"日本\" = ?"
        );
    }
}
