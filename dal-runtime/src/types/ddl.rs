//! What a column's type allows in its DDL beyond the type itself: which literals
//! `#[dal(default = …)]` may give it, and whether `#[dal(max_length = n)]` may bound it.
//!
//! `#[derive(Entity)]` checks each such attribute against the field's type through these
//! traits, spanned at the attribute, so a default of the wrong kind is a compile error there
//! instead of a failing `CREATE TABLE` (or worse, a silently converted value) at run time.

use chrono::{DateTime, Utc};

/// A type whose column may default to a string: `#[dal(default = "draft")]`.
#[diagnostic::on_unimplemented(
    message = "a field of type `{Self}` cannot default to a string",
    label = "a string default on a field that is not text",
    note = "`default = \"…\"` fits a `String` field; give this field a literal of its own type (an integer, a float, `true`/`false`, or `now` for a `DateTime<Utc>`)"
)]
pub trait TextDefault {}

/// A type whose column may default to an integer: `#[dal(default = 0)]`, in `MIN..=MAX`.
#[diagnostic::on_unimplemented(
    message = "a field of type `{Self}` cannot default to an integer",
    label = "an integer default on a field that is not a number",
    note = "`default = 0` fits an integer or float field; give this field a literal of its own type (a string for a `String`, `true`/`false` for a `bool`, `now` for a `DateTime<Utc>`)"
)]
pub trait IntegerDefault {
    /// The smallest integer the column holds exactly.
    const MIN: i128;
    /// The largest integer the column holds exactly.
    const MAX: i128;
}

/// Whether integer `value` is a default a `T` column holds exactly (`MIN..=MAX`); the derive
/// asserts it at compile time.
#[doc(hidden)]
pub const fn integer_default_fits<T: IntegerDefault + ?Sized>(value: i128) -> bool {
    T::MIN <= value && value <= T::MAX
}

/// A type whose column may default to a number with a fraction: `#[dal(default = 1.5)]`.
#[diagnostic::on_unimplemented(
    message = "a field of type `{Self}` cannot default to a float",
    label = "a float default on a field that is not a float",
    note = "`default = 1.5` fits an `f32` or `f64` field; an integer field takes an integer"
)]
pub trait FloatDefault {}

/// A type whose column may default to `true` or `false`.
#[diagnostic::on_unimplemented(
    message = "a field of type `{Self}` cannot default to a boolean",
    label = "a boolean default on a field that is not a bool",
    note = "`default = true` fits a `bool` field"
)]
pub trait BoolDefault {}

/// A type whose column may default to the time of the insert: `#[dal(default = now)]`.
#[diagnostic::on_unimplemented(
    message = "a field of type `{Self}` cannot default to `now`",
    label = "`now` on a field that is not a UTC timestamp",
    note = "`default = now` fits a `DateTime<Utc>` field (the insert's time, in UTC)"
)]
pub trait NowDefault {}

/// A text type whose column `#[dal(max_length = n)]` may bound (`VARCHAR(n)`).
#[diagnostic::on_unimplemented(
    message = "`max_length` bounds text, and `{Self}` is not a String",
    label = "`max_length` on a field that is not a String",
    note = "put `max_length` on a `String` or `Option<String>` field, or remove it"
)]
pub trait MaxLength {}

impl TextDefault for String {}
impl MaxLength for String {}
impl BoolDefault for bool {}
impl FloatDefault for f32 {}
impl FloatDefault for f64 {}
impl NowDefault for DateTime<Utc> {}

macro_rules! integer_default {
    ($($ty:ty: $min:expr, $max:expr;)*) => {
        $(impl IntegerDefault for $ty {
            const MIN: i128 = $min;
            const MAX: i128 = $max;
        })*
    };
}

integer_default! {
    i16: i16::MIN as i128, i16::MAX as i128;
    i32: i32::MIN as i128, i32::MAX as i128;
    i64: i64::MIN as i128, i64::MAX as i128;
    u32: 0, u32::MAX as i128;
    // The integers a float holds exactly: its mantissa's range.
    f32: -(1 << 24), 1 << 24;
    f64: -(1 << 53), 1 << 53;
}

impl<T: TextDefault> TextDefault for Option<T> {}
impl<T: MaxLength> MaxLength for Option<T> {}
impl<T: BoolDefault> BoolDefault for Option<T> {}
impl<T: FloatDefault> FloatDefault for Option<T> {}
impl<T: NowDefault> NowDefault for Option<T> {}
impl<T: IntegerDefault> IntegerDefault for Option<T> {
    const MIN: i128 = T::MIN;
    const MAX: i128 = T::MAX;
}
