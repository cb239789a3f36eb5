//! The field types system roles accept. The derive reads and writes role fields through these
//! traits, so a field of the wrong type is a compile error at that field, with a message that
//! names the type to use.

use chrono::{DateTime, Utc};

/// A `#[dal(version)]` field: `i64`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a version: a #[dal(version)] field is an `i64`",
    label = "use `i64`"
)]
pub trait VersionField {
    /// The version number.
    fn get(&self) -> i64;
    /// Replaces the version number.
    fn set(&mut self, version: i64);
}

impl VersionField for i64 {
    fn get(&self) -> i64 {
        *self
    }
    fn set(&mut self, version: i64) {
        *self = version;
    }
}

/// A `#[dal(created_at)]` or `#[dal(updated_at)]` field: `DateTime<Utc>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a created/updated timestamp: use `DateTime<Utc>`",
    label = "use `DateTime<Utc>`"
)]
pub trait TimestampField {
    /// Replaces the timestamp.
    fn set(&mut self, at: DateTime<Utc>);
}

impl TimestampField for DateTime<Utc> {
    fn set(&mut self, at: DateTime<Utc>) {
        *self = at;
    }
}

/// A `#[dal(deleted_at)]` field: `Option<DateTime<Utc>>` (`None` while the row is live).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot record a soft deletion: a #[dal(deleted_at)] field is an `Option<DateTime<Utc>>`",
    label = "use `Option<DateTime<Utc>>`"
)]
pub trait DeletedAtField {
    /// When the row was deleted, if it was.
    fn get(&self) -> Option<DateTime<Utc>>;
    /// Marks the row deleted at `at`, or live with `None`.
    fn set(&mut self, at: Option<DateTime<Utc>>);
}

impl DeletedAtField for Option<DateTime<Utc>> {
    fn get(&self) -> Option<DateTime<Utc>> {
        *self
    }
    fn set(&mut self, at: Option<DateTime<Utc>>) {
        *self = at;
    }
}
