//! Property tests of the `?` lexer against a reference model.
//!
//! The model builds SQL from segments whose meaning is known (plain text, parameters, string
//! literals, quoted identifiers, comments, dollar-quoted bodies, and the refused spellings
//! `?1` and native `$n`), renders it the way each dialect writes it, and predicts the rewritten
//! text or the refusal. The lexer must agree on every case.

use dal_sql::{Dialect, PlaceholderError};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Seg {
    /// Text with no character that opens a construct.
    Plain(String),
    /// A `?` parameter.
    Param,
    /// `??`, a literal `?` (PostgreSQL only).
    LiteralQuestionMark,
    /// A string literal holding anything.
    Str(String),
    /// A quoted identifier holding anything.
    QuotedIdent(String),
    /// `-- …` to the end of the line.
    LineComment(String),
    /// `/* … */`.
    BlockComment(String),
    /// `$tag$ … $tag$` (PostgreSQL only).
    Dollar(String, String),
    /// `?` directly followed by digits (SQLite's numbered form): refused.
    NumberedQuestionMark(String),
    /// A native `$n`: passed through alone, refused next to a `?`.
    DollarNumber(String),
}

/// Text for a quoted body: anything at all, or (as often) the bytes that matter to the lexer,
/// so `?1`, `$1` and `??` inside literals and comments come up on most runs.
fn body(any: &'static str, dense: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![any, dense]
}

fn seg(d: Dialect) -> impl Strategy<Value = Seg> {
    let common = prop_oneof![
        "[a-dA-Df-zF-Z0-9 ,()=<>+.:;]{1,12}".prop_map(Seg::Plain),
        Just(Seg::Param),
        body("\\PC{0,12}", "[?$0-9a ]{0,12}").prop_map(Seg::Str),
        body("\\PC{0,8}", "[?$0-9a ]{0,8}").prop_map(Seg::QuotedIdent),
        body("[^\n\r]{0,12}", "[?$0-9a ]{0,12}").prop_map(Seg::LineComment),
        body("[^*/]{0,12}", "[?$0-9a ]{0,12}").prop_map(Seg::BlockComment),
    ];
    // The refused spellings are rarer, so most cases still rewrite.
    let common = prop_oneof![
        12 => common,
        1 => "[0-9]{1,3}".prop_map(Seg::NumberedQuestionMark),
        1 => "[0-9]{1,3}".prop_map(Seg::DollarNumber),
    ];
    if d == Dialect::Postgres {
        prop_oneof![
            6 => common,
            1 => Just(Seg::LiteralQuestionMark),
            1 => ("[a-z_]{0,3}", body("[^$]{0,12}", "[?0-9a ]{0,12}"))
                .prop_map(|(t, b)| Seg::Dollar(t, b)),
        ]
        .boxed()
    } else {
        common.boxed()
    }
}

/// What the model predicts for a statement: the rewritten text with its parameter count, or
/// the refusal the lexer must give.
type Expected = Result<(String, usize), PlaceholderError>;

/// Renders `segs` as `d` writes them, and what the rewrite must give.
///
/// Refusals follow the lexer's reading order: `?1` is refused where it stands; `$n` and `?`
/// are refused as soon as both were seen, naming the first `$n`.
fn render(d: Dialect, segs: &[Seg]) -> (String, Expected) {
    let (mut input, mut expected, mut params) = (String::new(), String::new(), 0);
    let mut first_dollar: Option<(usize, String)> = None;
    let mut refusal: Option<PlaceholderError> = None;
    let mixed = |(offset, text): &(usize, String)| PlaceholderError::MixedPlaceholders {
        offset: *offset,
        text: text.clone(),
    };
    for s in segs {
        let at = input.len();
        let (text, out) = match s {
            Seg::Plain(t) => (t.clone(), t.clone()),
            Seg::Param => {
                if let (None, Some(first)) = (&refusal, &first_dollar) {
                    refusal = Some(mixed(first));
                }
                params += 1;
                let mut native = String::new();
                d.push_placeholder(&mut native, params);
                ("?".into(), native)
            }
            Seg::NumberedQuestionMark(digits) => {
                let t = format!("?{digits}");
                if refusal.is_none() {
                    refusal = Some(PlaceholderError::NumberedQuestionMark {
                        offset: at,
                        text: t.clone(),
                    });
                }
                (t.clone(), t)
            }
            Seg::DollarNumber(digits) => {
                let t = format!("${digits}");
                let first = first_dollar.get_or_insert((at, t.clone()));
                if refusal.is_none() && params > 0 {
                    refusal = Some(mixed(first));
                }
                (t.clone(), t)
            }
            Seg::LiteralQuestionMark => ("??".into(), "?".into()),
            Seg::Str(body) => {
                let mut escaped = body.replace('\'', "''");
                if d == Dialect::MySql {
                    escaped = body.replace('\\', "\\\\").replace('\'', "''");
                }
                let t = format!("'{escaped}'");
                (t.clone(), t)
            }
            Seg::QuotedIdent(body) => {
                let q = d.ident_quote();
                let t = format!("{q}{}{q}", body.replace(q, &format!("{q}{q}")));
                (t.clone(), t)
            }
            Seg::LineComment(body) => {
                let t = format!("-- {body}\n");
                (t.clone(), t)
            }
            Seg::BlockComment(body) => {
                let t = format!("/*{body}*/");
                (t.clone(), t)
            }
            Seg::Dollar(tag, body) => {
                let t = format!("${tag}${body}${tag}$");
                (t.clone(), t)
            }
        };
        // A space between segments keeps one from running into the next (`e'`, `a$x$`, `?1`).
        input.push_str(&text);
        input.push(' ');
        expected.push_str(&out);
        expected.push(' ');
    }
    let outcome = match refusal {
        Some(e) => Err(e),
        None => Ok((expected, params)),
    };
    (input, outcome)
}

fn dialect() -> impl Strategy<Value = Dialect> {
    prop_oneof![Just(Dialect::Postgres), Just(Dialect::MySql), Just(Dialect::Sqlite)]
}

fn case() -> impl Strategy<Value = (Dialect, Vec<Seg>)> {
    dialect().prop_flat_map(|d| (Just(d), prop::collection::vec(seg(d), 0..12)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100_000))]

    #[test]
    fn rewrite_matches_the_model((d, segs) in case()) {
        let (input, expected) = render(d, &segs);
        let got = d.rewrite_placeholders(&input).map(|r| (r.sql, r.params));
        prop_assert_eq!(got, expected, "input: {}", input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// Any text at all: the lexer answers, never panics, and keeps every byte that is not a
    /// placeholder.
    #[test]
    fn arbitrary_text_never_panics(d in dialect(), sql in "\\PC{0,64}") {
        if let Ok(r) = d.rewrite_placeholders(&sql) {
            prop_assert_eq!(r.sql.replace(|c: char| c.is_ascii_digit() || c == '$' || c == '?', ""),
                sql.replace(|c: char| c.is_ascii_digit() || c == '$' || c == '?', ""));
        }
    }
}

/// Runs the fuzz target's seed corpus through the same check, so the corpus is exercised on
/// every `cargo test` even where cargo-fuzz is not installed.
#[test]
fn fuzz_corpus_runs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/placeholders");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus folder exists") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
        let Ok(sql) = std::str::from_utf8(&bytes) else { continue };
        for d in Dialect::ALL {
            if let Ok(r) = d.rewrite_placeholders(sql) {
                let strip =
                    |s: &str| s.replace(|c: char| c.is_ascii_digit() || c == '$' || c == '?', "");
                assert_eq!(strip(&r.sql), strip(sql));
            }
        }
        ran += 1;
    }
    assert!(ran >= 5, "the corpus has its seeds");
}
