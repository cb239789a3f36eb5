//! `rust_decimal::Decimal` columns, exact on every backend: PostgreSQL's `NUMERIC`, MySQL's
//! `DECIMAL`, and on SQLite the decimal's text in a column whose collation compares numbers
//! ([`dal_sql::decimal`]). Aggregates come back in whatever type the backend computes them in
//! (SQLite's `SUM` is an INTEGER or a REAL, PostgreSQL's `SUM` of a `BIGINT` is a NUMERIC, a
//! `COUNT` an integer), so a decimal also reads from integers, from text, and from a float
//! when the float stands for one decimal of at most 15 digits ([`decimal_from_real`]).

use dal_sql::Dialect;
use rust_decimal::Decimal;

use super::{Column, Kind, Row, Value};
use crate::error::Result;

impl Column for Decimal {
    const KIND: Kind = Kind::Decimal;
    const POSTGRES: &'static str = Dialect::Postgres.decimal_type();
    const MYSQL: &'static str = Dialect::MySql.decimal_type();
    const SQLITE: &'static str = Dialect::Sqlite.decimal_type();

    fn encode(&self) -> Value<'_> {
        Value::Decimal(*self)
    }

    fn decode(row: &Row, index: usize) -> Result<Self> {
        row.decode_decimal(index)
    }
}

/// A column type stored as a SQL decimal, which takes `#[dal(precision = p, scale = s)]` on
/// an entity field: `NUMERIC(p, s)` on PostgreSQL, `DECIMAL(p, s)` on MySQL/MariaDB (SQLite
/// checks neither). `p` is at most [`dal_sql::decimal::MAX_PRECISION`] (28, what a `Decimal`
/// holds), `s` at most `p`; without the attribute the column holds any `Decimal` exactly
/// (`NUMERIC`, `DECIMAL(65, 28)`). (`dal::types::DecimalColumn`'s page has an example.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` takes no precision or scale",
    label = "`precision` and `scale` are for decimal columns",
    note = "only rust_decimal::Decimal and Option<Decimal> take #[dal(precision = …, scale = …)]: remove them from this field, or make it a Decimal"
)]
pub trait DecimalColumn: Column {}

impl DecimalColumn for Decimal {}
impl<T: DecimalColumn> DecimalColumn for Option<T> {}

/// Compiles only when `T` takes a precision: the derive calls it for each field with one, at
/// the attribute, so the error points there.
#[doc(hidden)]
pub const fn takes_precision<T: DecimalColumn>() {}

/// The decimal a column's text holds: `-12.3400` (scale kept), `0.5`, `7`. When the text
/// has more digits than a `Decimal` holds, trailing zeros after the point are dropped, as they
/// carry no value (MySQL writes a `DECIMAL(65, 28)` with all 28); anything else a `Decimal`
/// cannot hold exactly is an error saying what the text was, for
/// [`crate::driver::unreadable`]'s "it holds …".
pub fn decimal_from_text(text: &str) -> std::result::Result<Decimal, String> {
    Decimal::from_str_exact(text).or_else(|e| {
        let plain = text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'));
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        let retried = if plain && text.contains('.') && trimmed.len() < text.len() {
            Decimal::from_str_exact(trimmed)
        } else {
            Err(e)
        };
        retried
            .map_err(|e| format!("`{text}`, which is not a decimal a Decimal holds exactly ({e})"))
    })
}

/// The decimal a float stands for: the shortest decimal that reads back as that float, when it
/// has at most 15 significant digits. Every decimal of at most 15 digits survives the trip
/// through an `f64`, so such a float is that decimal, rounded (SQLite's `SUM` of `1.10` and
/// `2.20` is the float nearest `3.3`, and reads as `3.3`). A float that needs more digits
/// (`0.30000000000000004`) lost some on the way and is an error naming it.
pub fn decimal_from_real(value: f64) -> std::result::Result<Decimal, String> {
    // Display writes the shortest text that reads back as the same float, never an exponent.
    from_float_text(value.is_finite(), &value.to_string(), 15)
}

/// [`decimal_from_real`] for an `f32`, which keeps 6 digits.
pub(crate) fn decimal_from_real32(value: f32) -> std::result::Result<Decimal, String> {
    from_float_text(value.is_finite(), &value.to_string(), 6)
}

fn from_float_text(finite: bool, text: &str, kept: usize) -> std::result::Result<Decimal, String> {
    if !finite {
        return Err(format!("the float {text}, which is no decimal"));
    }
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_digit).collect();
    let significant =
        match (digits.iter().position(|&d| d != b'0'), digits.iter().rposition(|&d| d != b'0')) {
            (Some(first), Some(last)) => last - first + 1,
            _ => 0,
        };
    if significant > kept {
        return Err(format!(
            "the float {text}, whose {significant} significant digits are more than the {kept} a float keeps exactly: compute it in the column's decimal type"
        ));
    }
    Decimal::from_str_exact(text)
        .map_err(|e| format!("the float {text}, which a Decimal cannot hold ({e})"))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).expect("decimal")
    }

    #[test]
    fn text_reads_exactly_and_trailing_zeros_do_not_count() {
        assert_eq!(decimal_from_text("-12.3400").map(|d| d.to_string()), Ok("-12.3400".into()));
        let mysql = format!("12.5{}", "0".repeat(27));
        assert_eq!(decimal_from_text(&mysql), Ok(dec("12.5")));
        assert_eq!(decimal_from_text("0.000"), Ok(Decimal::ZERO));
        assert_eq!(decimal_from_text("100"), Ok(dec("100")));
        let max = "79228162514264337593543950335";
        assert_eq!(decimal_from_text(max), Ok(Decimal::MAX));
        for bad in
            ["79228162514264337593543950336", "1e5", "abc", "", "0.00000000000000000000000000001"]
        {
            let e = decimal_from_text(bad).expect_err(bad);
            assert!(e.contains(&format!("`{bad}`")), "{e}");
        }
    }

    #[test]
    fn floats_read_when_they_stand_for_a_short_decimal() {
        assert_eq!(decimal_from_real(3.75), Ok(dec("3.75")));
        assert_eq!(decimal_from_real(3.3), Ok(dec("3.3")));
        assert!(decimal_from_real(1.1 + 2.2).is_err(), "3.3000000000000003: a float sum");
        assert_eq!(decimal_from_real(-0.0001), Ok(dec("-0.0001")));
        assert_eq!(decimal_from_real(1e20), Ok(dec("100000000000000000000")));
        assert_eq!(decimal_from_real(123_456_789_012.345), Ok(dec("123456789012.345")));
        let e = decimal_from_real(0.1 + 0.2).expect_err("17 digits");
        assert!(e.contains("0.30000000000000004"), "{e}");
        assert!(decimal_from_real(f64::NAN).is_err());
        assert!(decimal_from_real(1e300).is_err(), "beyond Decimal");
        assert_eq!(decimal_from_real32(2.25), Ok(dec("2.25")));
        assert!(decimal_from_real32(0.1 + 0.2).is_ok(), "an f32 sum of 0.1 and 0.2 is 0.3");
    }
}
