//! Decimal columns: the largest precision dal declares, and the order of SQLite's decimal
//! collation. SQLite has no decimal type, so dal stores a decimal there as its text
//! (`-12.3400`) in a column declared `TEXT COLLATE dal_decimal`; both SQLite drivers register
//! that collation on every connection, so `ORDER BY`, `<`, `=`, `MIN`/`MAX` and unique indexes
//! compare the numbers, not the characters. How each dialect spells the column type is
//! [`Dialect::decimal_type`](crate::Dialect::decimal_type).

use std::cmp::Ordering;

/// The largest `precision` a decimal column takes: every value of a `NUMERIC(28, s)` column
/// reads back into a `rust_decimal::Decimal` (96 bits, 28 digits), one of `NUMERIC(29, s)`
/// might not.
pub const MAX_PRECISION: u32 = 28;

/// The name of the collation SQLite drivers register for decimal columns ([`compare_text`]).
pub const SQLITE_COLLATION: &str = "dal_decimal";

/// The order of [`SQLITE_COLLATION`]: decimal numbers (`-1.5`, `0.250`, `+7`, `.5`, `3.`) by
/// their value, so `1.50` and `1.5` are equal and `-0` is `0`; any other text after every
/// number, by its bytes. A total order, as SQLite requires of a collation.
///
/// ```
/// use std::cmp::Ordering;
/// use dal_sql::decimal::compare_text;
///
/// assert_eq!(compare_text("9.5", "10"), Ordering::Less); // as text, "9.5" > "10"
/// assert_eq!(compare_text("-2", "-10.25"), Ordering::Greater);
/// assert_eq!(compare_text("1.50", "1.5"), Ordering::Equal);
/// assert_eq!(compare_text("1e3", "5"), Ordering::Greater); // not a decimal: after numbers
/// ```
pub fn compare_text(a: &str, b: &str) -> Ordering {
    match (Number::parse(a), Number::parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.as_bytes().cmp(b.as_bytes()),
    }
}

/// A decimal read from text: the sign, the integer digits without leading zeros and the
/// fraction digits without trailing zeros, so equal values have equal parts.
#[derive(PartialEq, Eq)]
struct Number<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
}

impl<'a> Number<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let bytes = text.as_bytes();
        let (negative, rest) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            Some((b'+', rest)) => (false, rest),
            _ => (false, bytes),
        };
        let (int, frac) = match rest.iter().position(|&b| b == b'.') {
            Some(dot) => (&rest[..dot], &rest[dot + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
            return None;
        }
        let int = &int[int.iter().position(|&b| b != b'0').unwrap_or(int.len())..];
        let frac = &frac[..frac.iter().rposition(|&b| b != b'0').map_or(0, |last| last + 1)];
        let zero = int.is_empty() && frac.is_empty();
        Some(Number { negative: negative && !zero, int, frac })
    }

    /// Compares absolute values: more integer digits is larger; then digit by digit, where
    /// comparing the fractions as byte strings is right because neither has trailing zeros.
    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(other.int))
            .then_with(|| self.frac.cmp(other.frac))
    }
}

impl Ord for Number<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Number<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `mantissa / 10^scale` written with `zeros` extra trailing zeros and `lead` leading ones.
    fn written(mantissa: i64, scale: u32, zeros: usize, lead: usize) -> String {
        let digits = mantissa.unsigned_abs().to_string();
        let scale = scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        let sign = if mantissa < 0 { "-" } else { "" };
        let mut text = format!("{sign}{}{int}", "0".repeat(lead));
        if scale > 0 || zeros > 0 {
            text.push('.');
            text.push_str(frac);
            text.push_str(&"0".repeat(zeros));
        }
        text
    }

    /// The value as an integer count of 10^-12, for comparing.
    fn scaled(mantissa: i64, scale: u32) -> i128 {
        i128::from(mantissa) * 10_i128.pow(12 - scale)
    }

    proptest! {
        #[test]
        fn orders_as_the_numbers_do(
            a in any::<i64>(), sa in 0_u32..=12, za in 0_usize..3, la in 0_usize..2,
            b in any::<i64>(), sb in 0_u32..=12, zb in 0_usize..3, lb in 0_usize..2,
        ) {
            let (x, y) = (written(a, sa, za, la), written(b, sb, zb, lb));
            prop_assert_eq!(compare_text(&x, &y), scaled(a, sa).cmp(&scaled(b, sb)), "{} vs {}", x, y);
        }

        #[test]
        fn is_a_total_order_on_any_text(a in "[-+0-9.a]{0,6}", b in "[-+0-9.a]{0,6}", c in "[-+0-9.a]{0,6}") {
            prop_assert_eq!(compare_text(&a, &b), compare_text(&b, &a).reverse());
            if compare_text(&a, &b).is_le() && compare_text(&b, &c).is_le() {
                prop_assert!(compare_text(&a, &c).is_le(), "{} <= {} <= {}", a, b, c);
            }
        }
    }

    #[test]
    fn zeros_signs_and_text_that_is_no_number() {
        assert_eq!(compare_text("-0.00", "0"), Ordering::Equal);
        assert_eq!(compare_text("+.5", "0.50"), Ordering::Equal);
        assert_eq!(compare_text("3.", "3"), Ordering::Equal);
        assert_eq!(compare_text("-0.0001", "0"), Ordering::Less);
        assert_eq!(compare_text("0.0001", "-5"), Ordering::Greater);
        for not_a_number in ["", "-", ".", "1.2.3", "1e5", " 1", "NaN", "--1"] {
            assert_eq!(compare_text("99999", not_a_number), Ordering::Less, "{not_a_number:?}");
        }
        assert_eq!(compare_text("abc", "abd"), Ordering::Less);
    }
}
