//! Whether SQL text can stand as one condition inside a statement built around it, as in
//! `WHERE (<fragment>) AND "deleted_at" IS NULL`: nothing in the fragment may reach past its
//! own end and change what follows.
//!
//! Text reaches past its end when it leaves something open that the appended SQL would close
//! or fall into: a line comment without its line break, an unterminated literal, identifier,
//! block comment or dollar-quoted body, a parenthesis closed early or never, or a `;` that
//! ends the statement. MySQL's executable comments (`/*! … */`) are refused too: the server
//! runs what is inside, which the lexer reads as a comment.
//!
//! Session settings change how a server reads text (MySQL's `NO_BACKSLASH_ESCAPES` and
//! `ANSI_QUOTES`, PostgreSQL's `standard_conforming_strings`), and dal does not control
//! them, so a fragment must be self-contained under every reading its dialect allows.
//!
//! The text is scanned with the placeholder lexer ([`crate::placeholders`]), so quoting rules
//! live in one place.

use crate::Dialect;
use crate::placeholders::{LexRules, PlaceholderError, Token, ends_line, token};

/// Why SQL text cannot stand as one condition inside a larger statement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FragmentError {
    /// What is wrong.
    pub problem: FragmentProblem,
    /// Byte offset in the fragment where the problem starts.
    pub offset: usize,
    /// The server setting under which the text reads this way, when the dialect's default
    /// reading has no problem (e.g. "sql_mode NO_BACKSLASH_ESCAPES").
    pub setting: Option<&'static str>,
}

/// What keeps a fragment from being self-contained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FragmentProblem {
    /// A literal, quoted identifier, block comment or dollar-quoted body is never closed;
    /// the payload says which, e.g. "string literal".
    Unterminated(&'static str),
    /// A line comment (`--`, MySQL's `#`) runs to the end of the text: it would swallow
    /// what follows.
    LineCommentAtEnd,
    /// A `)` closes a parenthesis the fragment did not open.
    UnopenedParenthesis,
    /// A `(` is never closed.
    UnclosedParenthesis,
    /// A `;` ends the statement.
    StatementSeparator,
    /// A MySQL executable comment (`/*! … */`, MariaDB's `/*M! … */`), whose content the
    /// server runs.
    ExecutableComment,
    /// A NUL byte, which servers read differently (as the end of the text, or not at all).
    Nul,
}

impl std::fmt::Display for FragmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.offset;
        match self.problem {
            FragmentProblem::Unterminated(what) => {
                write!(f, "the {what} starting at byte {at} is never closed")?;
            }
            FragmentProblem::LineCommentAtEnd => write!(
                f,
                "the line comment starting at byte {at} runs to the end and would swallow the SQL that follows; end it with a line break or remove it"
            )?,
            FragmentProblem::UnopenedParenthesis => {
                write!(f, "the `)` at byte {at} closes a parenthesis the text did not open")?;
            }
            FragmentProblem::UnclosedParenthesis => {
                write!(f, "the `(` at byte {at} is never closed")?;
            }
            FragmentProblem::StatementSeparator => {
                write!(f, "the `;` at byte {at} would end the statement; a condition has none")?;
            }
            FragmentProblem::ExecutableComment => write!(
                f,
                "the executable comment at byte {at} holds SQL the server runs; write that SQL without the comment"
            )?,
            FragmentProblem::Nul => write!(f, "the text holds a NUL byte at byte {at}")?,
        }
        if let Some(setting) = self.setting {
            write!(f, " (when the server runs with {setting})")?;
        }
        Ok(())
    }
}

impl std::error::Error for FragmentError {}

/// Checks `sql` under every reading `dialect` allows (see the module documentation).
pub(crate) fn check(
    sql: &str,
    default: LexRules,
    others: &[(LexRules, &'static str)],
) -> Result<(), FragmentError> {
    check_reading(sql, default, None)?;
    for (rules, setting) in others {
        check_reading(sql, *rules, Some(setting))?;
    }
    Ok(())
}

/// Checks `sql` under one set of lexical rules.
fn check_reading(
    sql: &str,
    rules: LexRules,
    setting: Option<&'static str>,
) -> Result<(), FragmentError> {
    let fail = |problem, offset| Err(FragmentError { problem, offset, setting });
    let b = sql.as_bytes();
    if let Some(offset) = b.iter().position(|&c| c == 0) {
        return fail(FragmentProblem::Nul, offset);
    }
    let mut depth = 0_usize;
    // Where the outermost parenthesis still open was opened.
    let mut outer_open = 0;
    let mut i = 0;
    while i < b.len() {
        let (tok, end) = match token(b, i, rules) {
            Ok(found) => found,
            Err(PlaceholderError::Unterminated { what, offset }) => {
                return fail(FragmentProblem::Unterminated(what), offset);
            }
            // `??` where the dialect has no literal `?`: a matter for the placeholder count.
            Err(PlaceholderError::LiteralQuestionMark { offset, .. }) => {
                (Token::LiteralQuestionMark, offset + 2)
            }
            // The lexer reports only the two above; `?1` and `$n` mixed with `?` are the
            // placeholder rewrite's to refuse, when the whole statement is counted.
            Err(_) => (Token::Code(b[i]), i + 1),
        };
        match tok {
            Token::Code(b'(') => {
                if depth == 0 {
                    outer_open = i;
                }
                depth += 1;
            }
            Token::Code(b')') if depth == 0 => {
                return fail(FragmentProblem::UnopenedParenthesis, i);
            }
            Token::Code(b')') => depth -= 1,
            Token::Code(b';') => return fail(FragmentProblem::StatementSeparator, i),
            Token::Quoted if is_line_comment(b, i) && !ends_line(b[end - 1], rules) => {
                return fail(FragmentProblem::LineCommentAtEnd, i);
            }
            Token::Quoted if rules.executable_comments && is_executable_comment(&b[i..]) => {
                return fail(FragmentProblem::ExecutableComment, i);
            }
            _ => {}
        }
        i = end;
    }
    if depth > 0 {
        return fail(FragmentProblem::UnclosedParenthesis, outer_open);
    }
    Ok(())
}

/// Whether the quoted token at `i` is a line comment (the only ones that start so).
fn is_line_comment(b: &[u8], i: usize) -> bool {
    matches!(b[i], b'-' | b'#')
}

fn is_executable_comment(rest: &[u8]) -> bool {
    rest.starts_with(b"/*!") || rest.starts_with(b"/*M!")
}

impl Dialect {
    /// Checks that `sql` can stand as one condition inside a statement built around it, as
    /// a raw filter does in `WHERE (<sql>) AND "deleted_at" IS NULL`: no line comment runs to
    /// its end, its parentheses balance, nothing is left unterminated, it holds no `;` (and
    /// on MySQL no executable comment), all outside literals, quoted identifiers and
    /// comments, under every way the server may read it (see [`FragmentError::setting`]).
    ///
    /// ```
    /// use dal_sql::{Dialect, FragmentProblem};
    /// assert!(Dialect::Postgres.check_fragment("age > ? OR name = ')'").is_ok());
    /// let e = Dialect::Postgres.check_fragment("age > ?) OR (true").unwrap_err();
    /// assert_eq!(e.problem, FragmentProblem::UnopenedParenthesis);
    /// assert_eq!(Dialect::MySql.check_fragment("vip # only").unwrap_err().problem, FragmentProblem::LineCommentAtEnd);
    /// ```
    pub fn check_fragment(self, sql: &str) -> Result<(), FragmentError> {
        check(sql, self.lex_rules(), self.other_readings())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(d: Dialect, sql: &str) -> Option<(FragmentProblem, usize, Option<&'static str>)> {
        d.check_fragment(sql).err().map(|e| (e.problem, e.offset, e.setting))
    }

    #[test]
    fn self_contained_fragments_pass() {
        for d in Dialect::ALL {
            for sql in [
                "",
                "age > ? OR vip",
                "(a = 1 OR (b = 2)) AND c IN (?, ?)",
                "name = ')' AND note = '(('",
                "x = 1 -- a comment on its own line\n",
                "x = 1 /* ) ; -- */",
                "lower(name) LIKE ?",
                "a = '--' AND b = ';'",
            ] {
                assert_eq!(problem(d, sql), None, "{d}: {sql}");
            }
        }
        assert_eq!(problem(Dialect::Postgres, r#""a)" = $$ ( $$ AND x = E'\')'"#), None);
        assert_eq!(problem(Dialect::Sqlite, "[a)] = `b(`"), None);
        assert_eq!(
            problem(Dialect::MySql, "a = 1--1"),
            None,
            "`--` without a space is minus minus"
        );
        assert_eq!(problem(Dialect::MySql, "a = 1 /*+ a hint */"), None);
    }

    #[test]
    fn a_trailing_line_comment_is_refused() {
        for d in Dialect::ALL {
            assert_eq!(
                problem(d, "deleted -- gone"),
                Some((FragmentProblem::LineCommentAtEnd, 8, None)),
                "{d}"
            );
            assert_eq!(problem(d, "a\n--"), Some((FragmentProblem::LineCommentAtEnd, 2, None)));
        }
        assert_eq!(
            problem(Dialect::MySql, "vip # x"),
            Some((FragmentProblem::LineCommentAtEnd, 4, None))
        );
        assert_eq!(problem(Dialect::Postgres, "a # b"), None, "`#` is an operator there");
        // PostgreSQL ends a line comment at a carriage return; the others do not.
        assert_eq!(problem(Dialect::Postgres, "a -- x\r"), None);
        assert_eq!(
            problem(Dialect::Sqlite, "a -- x\r"),
            Some((FragmentProblem::LineCommentAtEnd, 2, None))
        );
        assert_eq!(
            problem(Dialect::Postgres, "a -- x\r) OR (true\n"),
            Some((FragmentProblem::UnopenedParenthesis, 7, None)),
            "after the carriage return the parenthesis is code"
        );
    }

    #[test]
    fn parentheses_must_balance_outside_quotes() {
        for d in Dialect::ALL {
            assert_eq!(
                problem(d, "a = 1) OR (b = 2"),
                Some((FragmentProblem::UnopenedParenthesis, 5, None)),
                "{d}"
            );
            assert_eq!(
                problem(d, "(a = 1 OR (b = 2)"),
                Some((FragmentProblem::UnclosedParenthesis, 0, None))
            );
            assert_eq!(problem(d, "f(')')"), None);
        }
    }

    #[test]
    fn separators_open_constructs_and_executable_comments_are_refused() {
        for d in Dialect::ALL {
            assert_eq!(
                problem(d, "a = 1; DROP TABLE t"),
                Some((FragmentProblem::StatementSeparator, 5, None))
            );
            assert_eq!(
                problem(d, "a = 1 /* never closed"),
                Some((FragmentProblem::Unterminated("block comment"), 6, None))
            );
            assert_eq!(
                problem(d, "a = 'x"),
                Some((FragmentProblem::Unterminated("string literal"), 4, None))
            );
            assert_eq!(problem(d, "a = 1\0"), Some((FragmentProblem::Nul, 5, None)));
        }
        assert_eq!(
            problem(Dialect::MySql, "a /*! ) OR (1 */"),
            Some((FragmentProblem::ExecutableComment, 2, None))
        );
        assert_eq!(
            problem(Dialect::MySql, "a /*M! 1 */"),
            Some((FragmentProblem::ExecutableComment, 2, None))
        );
        assert_eq!(problem(Dialect::Postgres, "a /*! 1 */"), None);
    }

    #[test]
    fn every_reading_of_the_server_must_agree() {
        // With NO_BACKSLASH_ESCAPES the string ends at `\'` and the rest is code.
        assert_eq!(
            problem(Dialect::MySql, r"a = 'x\' OR 1 -- '"),
            Some((FragmentProblem::LineCommentAtEnd, 14, Some("sql_mode NO_BACKSLASH_ESCAPES")))
        );
        // So does `"x\"`; with ANSI_QUOTES `"…"` is an identifier, which has no escapes either.
        let sql = r#"a = "x\" ) OR ( ""#;
        assert_eq!(
            problem(Dialect::MySql, sql),
            Some((FragmentProblem::UnopenedParenthesis, 9, Some("sql_mode NO_BACKSLASH_ESCAPES")))
        );
        let ansi = check_reading(sql, Dialect::MySql.other_readings()[1].0, None);
        assert_eq!(ansi.map_err(|e| e.problem), Err(FragmentProblem::UnopenedParenthesis));
        // With standard_conforming_strings off, `\'` does not close a string.
        assert_eq!(
            problem(Dialect::Postgres, r"a = 'x\'"),
            Some((
                FragmentProblem::Unterminated("string literal"),
                4,
                Some("standard_conforming_strings off")
            ))
        );
        assert_eq!(problem(Dialect::Sqlite, r"a = 'x\'"), None, "SQLite has no backslash escapes");
    }

    /// Whether, in `(<fragment>) AND x`, the text after the fragment is read as code that
    /// closes the parenthesis opened before it.
    fn tail_stays_code(fragment: &str, rules: LexRules) -> bool {
        let text = format!("({fragment}) AND x");
        let (b, tail) = (text.as_bytes(), 1 + fragment.len());
        let (mut i, mut depth) = (0, 0_i32);
        while i < b.len() {
            let Ok((tok, end)) = token(b, i, rules) else { return false };
            if (i == tail && depth != 1) || (i < tail && end > tail) {
                return false; // the fragment left a parenthesis or a construct open
            }
            match tok {
                Token::Code(b'(') => depth += 1,
                Token::Code(b')') => depth -= 1,
                Token::Code(_) => {}
                _ if i >= tail => return false,
                _ => {}
            }
            if end < tail && depth < 1 {
                return false; // the fragment closed the parenthesis opened before it
            }
            i = end;
        }
        depth == 0
    }

    #[test]
    fn the_model_sees_a_fragment_reach_past_its_end() {
        let rules = Dialect::MySql.lex_rules();
        assert!(tail_stays_code("a = '(' OR (b) -- c\n", rules));
        for open in ["a) OR (b", "a -- c", "'a", "(a", "a # b", "a /* b"] {
            assert!(!tail_stays_code(open, rules), "{open}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn what_passes_never_reaches_past_its_end(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "(", ")", "'", "\"", "`", "[", "]", "-", "--", "-- ", "#", "/*", "*/", "/*!", "\n",
                "\r", ";", "\\", "$", "$$", "$a$", "E'", "?", "a", " ", "1", "\0",
            ]), 0..14)
        ) {
            let fragment = parts.concat();
            for d in Dialect::ALL {
                if d.check_fragment(&fragment).is_ok() {
                    let readings = std::iter::once(d.lex_rules())
                        .chain(d.other_readings().iter().map(|(rules, _)| *rules));
                    for rules in readings {
                        proptest::prop_assert!(
                            tail_stays_code(&fragment, rules),
                            "{d} accepted {fragment:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn messages_name_the_place_and_the_fix() {
        let e = Dialect::MySql.check_fragment("vip -- later").expect_err("refused");
        assert_eq!(
            e.to_string(),
            "the line comment starting at byte 4 runs to the end and would swallow the SQL that follows; end it with a line break or remove it"
        );
        let e = Dialect::MySql.check_fragment(r"a = 'x\' OR 1 -- '").expect_err("refused");
        assert!(
            e.to_string().ends_with("(when the server runs with sql_mode NO_BACKSLASH_ESCAPES)"),
            "{e}"
        );
    }
}
