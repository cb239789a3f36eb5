//! The keywords of `#[dal(...)]`, in one place.

/// The attribute name.
pub(crate) const DAL: &str = "dal";

/// Container keys.
pub(crate) const TABLE: &str = "table";
pub(crate) const CRATE: &str = "crate";

/// Field keys.
pub(crate) const ID: &str = "id";
pub(crate) const COLUMN: &str = "column";

/// Every container key, for suggestions.
pub(crate) const CONTAINER_KEYS: &[&str] = &[TABLE, CRATE];
/// Every field key, for suggestions.
pub(crate) const FIELD_KEYS: &[&str] = &[ID, COLUMN];
