//! Unit tests of the `?` lexer: each rule by example (the property model is in
//! `dal-sql/tests/placeholder_model.rs`).

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
    assert_eq!(pg("x$y$ = ?"), "x$y$ = $1");
    assert_eq!(pg("x$y$ = $9"), "x$y$ = $9");
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

fn refusal(d: Dialect, sql: &str) -> PlaceholderError {
    d.rewrite_placeholders(sql).expect_err(sql)
}

#[test]
fn numbered_question_mark_is_refused_on_every_backend() {
    for d in Dialect::ALL {
        let e = refusal(d, "SELECT ?1");
        assert_eq!(e, PlaceholderError::NumberedQuestionMark { offset: 7, text: "?1".into() });
        assert_eq!(
            e.to_string(),
            "`?1` at byte 7 is SQLite's numbered form, which dal does not take: write `?` and bind values in order"
        );
        let e = refusal(d, "a = ? AND b = ?12 + 1");
        assert_eq!(e, PlaceholderError::NumberedQuestionMark { offset: 14, text: "?12".into() });
        // A digit after a space, an operator or a cast is another token.
        assert_eq!(d.rewrite_placeholders("LIMIT ? + 1, ?::int, ?)1").map(|r| r.params), Ok(3));
    }
}

#[test]
fn question_mark_and_digit_inside_skipped_constructs_stay_allowed() {
    assert_eq!(
        pg("'?1' \"?2\" -- ?3\n /* ?4 /* ?5 */ */ $$ ?6 $$ $f$ ?7 $f$ E'\\'?8' ?"),
        "'?1' \"?2\" -- ?3\n /* ?4 /* ?5 */ */ $$ ?6 $$ $f$ ?7 $f$ E'\\'?8' $1"
    );
    let my = Dialect::MySql.rewrite_placeholders("'\\'?1' \"?2\" `?3` # ?4\n -- ?5\n ?");
    assert_eq!(my.map(|r| r.params), Ok(1));
    let lite = Dialect::Sqlite.rewrite_placeholders("[?1] `?2` '?3' /* ?4 */ ?");
    assert_eq!(lite.map(|r| r.params), Ok(1));
}

#[test]
fn literal_question_mark_before_a_digit_stays_a_literal() {
    assert_eq!(
        pg("data ??1 AND ??| x AND ??& y AND id = ?"),
        "data ?1 AND ?| x AND ?& y AND id = $1"
    );
    assert!(matches!(
        refusal(Dialect::Postgres, "data ???1"),
        PlaceholderError::NumberedQuestionMark { offset: 7, .. }
    ));
}

#[test]
fn native_numbers_mixed_with_question_marks_are_refused_on_every_backend() {
    for d in Dialect::ALL {
        let e = refusal(d, "SELECT $1, ?");
        assert_eq!(e, PlaceholderError::MixedPlaceholders { offset: 7, text: "$1".into() });
        assert_eq!(
            e.to_string(),
            "the statement mixes `$1` (at byte 7) with `?`: use `?` only and bind values in order"
        );
        // Either order; the first `$n` is the one named.
        let e = refusal(d, "SELECT ?, $12, $3");
        assert_eq!(e, PlaceholderError::MixedPlaceholders { offset: 10, text: "$12".into() });
    }
    // `$n` inside an identifier, a literal or a comment is no parameter.
    for d in Dialect::ALL {
        assert_eq!(
            d.rewrite_placeholders("SELECT x$1, '$2' /* $3 */ -- $4\n, ?").map(|r| r.params),
            Ok(1)
        );
    }
    assert_eq!(pg("SELECT $$ $1 $$, $f$ $2 $f$, ?"), "SELECT $$ $1 $$, $f$ $2 $f$, $1");
    // Outside PostgreSQL `$$` quotes nothing, so the `$1` there is code.
    assert!(matches!(
        refusal(Dialect::Sqlite, "SELECT $$ $1 $$, ?"),
        PlaceholderError::MixedPlaceholders { offset: 10, .. }
    ));
}

#[test]
fn native_numbers_alone_pass_to_the_server_as_written() {
    for d in Dialect::ALL {
        let r = d.rewrite_placeholders("PREPARE p (int) AS SELECT $1 + $2").expect("passes");
        assert_eq!(r.sql, "PREPARE p (int) AS SELECT $1 + $2");
        assert_eq!((r.params, r.numbered.as_deref()), (0, Some("$1")));
        let r = d.rewrite_placeholders("SELECT '$1', ?").expect("no `$n` outside literals");
        assert_eq!(r.numbered, None);
    }
}

#[test]
fn keeps_unicode() {
    assert_eq!(pg("'é?' = ? -- ü"), "'é?' = $1 -- ü");
}
