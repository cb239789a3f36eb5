//! Statements for PostgreSQL behind a transaction-pooling proxy: the values written into the
//! text as typed, escaped literals, so the statement goes as one simple-protocol message that
//! needs no prepared statement and no session of its own (see `PoolOptions::transaction_pooler`).
//!
//! Each literal carries an explicit cast to the type the value would have been bound with, so
//! the server resolves types exactly as for a bound parameter. Text goes in `E'…'` strings
//! with `'` and `\` doubled, which reads the same whatever `standard_conforming_strings` is; a
//! NUL byte, which PostgreSQL text cannot hold and which would end the protocol message early,
//! is refused before anything is sent.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::error::{Error, ErrorKind, Result};
use crate::types::{Kind, Value};

/// The text to send for `sql` (native `$n` form) with `params` written in. With a
/// `statement_timeout`, the message sets it for this statement only: `SET LOCAL` before it
/// (a multi-statement message is one transaction unless it is inside one already), and inside
/// an open transaction reset after it, so later statements keep the session's setting.
pub(crate) fn inline(
    sql: &str,
    params: &[Value<'_>],
    statement_timeout: Option<Duration>,
    in_transaction: bool,
) -> Result<String> {
    let found = dal_sql::numbered_params(sql)
        .map_err(|e| Error::new(ErrorKind::Syntax, format!("cannot read the statement: {e}")))?;
    let highest = found.iter().map(|p| p.number).max().unwrap_or(0);
    if highest != params.len() {
        return Err(Error::new(
            ErrorKind::Parameters,
            format!(
                "the statement's highest parameter is ${highest} but {} values were bound",
                params.len()
            ),
        ));
    }
    let mut out = String::with_capacity(sql.len() + 24 * params.len() + 64);
    if let Some(limit) = statement_timeout {
        // Whole milliseconds, at least 1: 0 would mean no limit at all. The server takes at
        // most INT_MAX ms (about 24.8 days) and refuses more; a longer limit is none there (0)
        // and the client's own wait still applies.
        let ms = limit.as_millis().max(1);
        let ms = if ms > i32::MAX as u128 { 0 } else { ms };
        let _ = writeln!(out, "SET LOCAL statement_timeout = {ms};");
    }
    let mut copied = 0;
    for p in &found {
        out.push_str(&sql[copied..p.start]);
        push_literal(&mut out, &params[p.number - 1])?;
        copied = p.end;
    }
    out.push_str(&sql[copied..]);
    if statement_timeout.is_some() && in_transaction {
        // On a line of its own: the statement may end in a `--` comment.
        out.push_str("\n;SET LOCAL statement_timeout TO DEFAULT");
    }
    Ok(out)
}

/// The cast of a `NULL` of `kind`: the type a bound `NULL` would have.
const fn type_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "bool",
        Kind::I16 => "int2",
        Kind::I32 => "int4",
        Kind::I64 => "int8",
        Kind::F32 => "float4",
        Kind::F64 => "float8",
        Kind::Text => "text",
        Kind::Bytes => "bytea",
        Kind::Uuid => "uuid",
        Kind::DateTime => "timestamptz",
        Kind::NaiveDateTime => "timestamp",
        Kind::NaiveDate => "date",
        Kind::Json => "jsonb",
        Kind::Decimal => "numeric",
        Kind::NaiveTime => "time",
    }
}

fn push_literal(out: &mut String, value: &Value<'_>) -> Result<()> {
    // Writing to a String cannot fail; numbers are quoted so that a minus sign never meets an
    // operator written before the placeholder.
    match value {
        Value::Null(kind) => {
            out.push_str("NULL::");
            out.push_str(type_name(*kind));
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::I16(n) => {
            let _ = write!(out, "'{n}'::int2");
        }
        Value::I32(n) => {
            let _ = write!(out, "'{n}'::int4");
        }
        Value::I64(n) => {
            let _ = write!(out, "'{n}'::int8");
        }
        Value::F32(f) => {
            push_float(out, f.is_nan(), f.is_infinite(), *f < 0.0, &format!("{f:?}"), "float4")
        }
        Value::F64(f) => {
            push_float(out, f.is_nan(), f.is_infinite(), *f < 0.0, &format!("{f:?}"), "float8")
        }
        Value::Text(s) => {
            push_text(out, s)?;
            out.push_str("::text");
        }
        Value::Bytes(b) => {
            out.push_str("E'\\\\x");
            for byte in b.iter() {
                let _ = write!(out, "{byte:02x}");
            }
            out.push_str("'::bytea");
        }
        Value::Uuid(u) => {
            let _ = write!(out, "'{}'::uuid", u.hyphenated());
        }
        Value::DateTime(t) => {
            out.push('\'');
            push_timestamp(out, &pg_precision(t.naive_utc()));
            out.push_str("+00");
            push_era(out, t.year());
            out.push_str("'::timestamptz");
        }
        Value::NaiveDateTime(t) => {
            out.push('\'');
            let t = pg_precision(*t);
            push_timestamp(out, &t);
            push_era(out, t.year());
            out.push_str("'::timestamp");
        }
        Value::NaiveDate(d) => {
            out.push('\'');
            push_date(out, d);
            push_era(out, d.year());
            out.push_str("'::date");
        }
        Value::Json(j) => {
            push_text(out, &j.to_string())?;
            out.push_str("::jsonb");
        }
        Value::Decimal(d) => {
            let _ = write!(out, "'{d}'::numeric");
        }
        Value::NaiveTime(t) => {
            // Whole microseconds, truncated, as a bound value is encoded.
            let micros = t.nanosecond() / 1000;
            let (h, m, s) = (t.hour(), t.minute(), t.second());
            let _ = write!(out, "'{h:02}:{m:02}:{s:02}.{micros:06}'::time");
        }
        Value::Unencodable { reason, .. } => {
            return Err(Error::new(
                ErrorKind::Data,
                format!("cannot encode a parameter: {reason}"),
            ));
        }
    }
    Ok(())
}

fn push_float(
    out: &mut String,
    nan: bool,
    infinite: bool,
    negative: bool,
    shortest: &str,
    ty: &str,
) {
    let text = match (nan, infinite, negative) {
        (true, _, _) => "NaN",
        (_, true, false) => "Infinity",
        (_, true, true) => "-Infinity",
        // Rust's shortest text that reads back as the same value.
        _ => shortest,
    };
    let _ = write!(out, "'{text}'::{ty}");
}

/// `E'…'` with `'` and `\` doubled; a NUL byte is refused as PostgreSQL itself refuses it.
fn push_text(out: &mut String, s: &str) -> Result<()> {
    if s.contains('\0') {
        return Err(Error::new(
            ErrorKind::Data,
            "a text value contains a NUL byte (0x00), which PostgreSQL text cannot hold",
        )
        .with_code("22021"));
    }
    out.reserve(s.len() + 3);
    out.push_str("E'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(())
}

/// The instant PostgreSQL stores for `t`: whole microseconds since 2000-01-01, truncated
/// toward that epoch, exactly as a bound parameter is encoded.
fn pg_precision(t: NaiveDateTime) -> NaiveDateTime {
    let Some(epoch) = NaiveDate::from_ymd_opt(2000, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0))
    else {
        return t;
    };
    match (t - epoch).num_microseconds() {
        Some(us) => epoch + chrono::Duration::microseconds(us),
        // Beyond ±292,000 years: the server refuses it as out of range anyway.
        None => t,
    }
}

/// `YYYY-MM-DD`, with the year counted as PostgreSQL counts it (no year 0: chrono's year 0
/// is 1 BC, written with [`push_era`]).
fn push_date(out: &mut String, d: &impl Datelike) {
    let year = d.year();
    let shown = if year <= 0 { 1 - year } else { year };
    let _ = write!(out, "{shown:04}-{:02}-{:02}", d.month(), d.day());
}

fn push_timestamp(out: &mut String, t: &NaiveDateTime) {
    push_date(out, t);
    let micros = t.nanosecond() / 1000;
    let _ = write!(out, " {:02}:{:02}:{:02}.{micros:06}", t.hour(), t.minute(), t.second());
}

fn push_era(out: &mut String, year: i32) {
    if year <= 0 {
        out.push_str(" BC");
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use chrono::{DateTime, Utc};

    use super::*;

    fn one(v: Value<'_>) -> String {
        inline("SELECT $1", &[v], None, false).expect("renders")
    }

    #[test]
    fn values_become_typed_literals() {
        assert_eq!(one(Value::I32(-5)), "SELECT '-5'::int4");
        assert_eq!(one(Value::Null(Kind::Uuid)), "SELECT NULL::uuid");
        assert_eq!(one(Value::Bool(true)), "SELECT true");
        assert_eq!(one(Value::F64(f64::NAN)), "SELECT 'NaN'::float8");
        assert_eq!(one(Value::F32(f32::NEG_INFINITY)), "SELECT '-Infinity'::float4");
        assert_eq!(one(Value::F64(0.1)), "SELECT '0.1'::float8");
        assert_eq!(one(Value::Bytes(Cow::Borrowed(&[0, 255]))), "SELECT E'\\\\x00ff'::bytea");
        let date = NaiveDate::from_ymd_opt(-43, 3, 15).expect("date");
        assert_eq!(one(Value::NaiveDate(date)), "SELECT '0044-03-15 BC'::date");
        let t: DateTime<Utc> = "2024-05-06T07:08:09.123456789Z".parse().expect("time");
        assert_eq!(one(Value::DateTime(t)), "SELECT '2024-05-06 07:08:09.123456+00'::timestamptz");
        let d: rust_decimal::Decimal = "-12.3400".parse().expect("decimal");
        assert_eq!(one(Value::Decimal(d)), "SELECT '-12.3400'::numeric");
        assert_eq!(one(Value::Null(Kind::Decimal)), "SELECT NULL::numeric");
        let time = chrono::NaiveTime::from_hms_nano_opt(7, 8, 9, 123_456_789).expect("time");
        assert_eq!(one(Value::NaiveTime(time)), "SELECT '07:08:09.123456'::time");
        let bad = Value::Unencodable { kind: Kind::Json, reason: "no".into() };
        let e = inline("SELECT $1", &[bad], None, false).expect_err("unencodable");
        assert_eq!(e.kind(), ErrorKind::Data);
    }

    #[test]
    fn sub_microseconds_truncate_toward_2000_as_bound_values_do() {
        let t: DateTime<Utc> = "1999-12-31T23:59:59.9999995Z".parse().expect("time");
        assert_eq!(one(Value::DateTime(t)), "SELECT '2000-01-01 00:00:00.000000+00'::timestamptz");
    }

    #[test]
    fn text_is_escaped_and_nul_refused() {
        let v = Value::Text(Cow::Borrowed("it's a \\ $1 '--"));
        assert_eq!(one(v), "SELECT E'it''s a \\\\ $1 ''--'::text");
        let e = inline("SELECT $1", &[Value::Text(Cow::Borrowed("a\0b"))], None, false)
            .expect_err("NUL");
        assert_eq!((e.kind(), e.code()), (ErrorKind::Data, Some("22021")));
    }

    #[test]
    fn placeholders_in_quotes_stay_and_counts_must_match() {
        let sql = inline("SELECT '$1', $1, $2 -- $2", &[Value::I64(1), Value::I64(2)], None, false);
        assert_eq!(sql.expect("renders"), "SELECT '$1', '1'::int8, '2'::int8 -- $2");
        let e = inline("SELECT $1", &[], None, false).expect_err("count");
        assert_eq!(e.kind(), ErrorKind::Parameters);
    }

    #[test]
    fn a_timeout_is_set_for_the_statement_only() {
        let limit = Some(Duration::from_millis(1500));
        assert_eq!(
            inline("SELECT 1", &[], limit, false).expect("renders"),
            "SET LOCAL statement_timeout = 1500;\nSELECT 1"
        );
        assert_eq!(
            inline("SELECT 1 -- x", &[], limit, true).expect("renders"),
            "SET LOCAL statement_timeout = 1500;\nSELECT 1 -- x\n;SET LOCAL statement_timeout TO DEFAULT"
        );
        for endless in [Duration::MAX, Duration::from_millis(i32::MAX as u64 + 1)] {
            assert_eq!(
                inline("SELECT 1", &[], Some(endless), false).expect("renders"),
                "SET LOCAL statement_timeout = 0;\nSELECT 1"
            );
        }
    }
}
