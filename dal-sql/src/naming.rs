//! The one naming rule for what dal declares inside a table: foreign keys, unique constraints
//! and indexes.
//!
//! A name is `{table}_{column}[_{column}…]{suffix}`, PostgreSQL's own convention (`_fkey`,
//! `_key`, `_idx`), so it reads the same in every catalog and says what it is. A name longer
//! than an identifier may be ([`MAX_IDENT_LEN`], under PostgreSQL's 63 and MySQL's 64) keeps
//! as much of that text as fits, then `_` and eight hex digits of a hash of the whole name:
//! the same struct gives the same name on every build and machine, and two long names that
//! start alike still differ.

use crate::ident::MAX_IDENT_LEN;
use crate::{Ident, validate_ident};

/// What a derived name names, which decides its suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// A foreign-key constraint: `_fkey`.
    ForeignKey,
    /// A unique constraint (or unique index): `_key`.
    Unique,
    /// A secondary index: `_idx`.
    Index,
}

impl NameKind {
    /// The suffix the name ends with.
    pub const fn suffix(self) -> &'static str {
        match self {
            NameKind::ForeignKey => "_fkey",
            NameKind::Unique => "_key",
            NameKind::Index => "_idx",
        }
    }
}

/// The name of the constraint or index of `kind` on `columns` (in order) of `table`.
///
/// ```
/// use dal_sql::naming::{NameKind, derived_name};
/// use dal_sql::Ident;
/// let (t, a, b) = (Ident::new("orders")?, Ident::new("shop_id")?, Ident::new("number")?);
/// assert_eq!(derived_name(&t, &[&a, &b], NameKind::Unique).as_str(), "orders_shop_id_number_key");
/// let long = Ident::new(&"c".repeat(60))?;
/// let name = derived_name(&t, &[&long], NameKind::Index);
/// assert_eq!(name.as_str().len(), 63);
/// assert!(name.as_str().starts_with("orders_ccc") && name.as_str().ends_with("_idx"));
/// # Ok::<(), dal_sql::IdentError>(())
/// ```
pub fn derived_name(table: &Ident, columns: &[&Ident], kind: NameKind) -> Ident {
    let mut base = table.as_str().to_owned();
    for c in columns {
        base.push('_');
        base.push_str(c.as_str());
    }
    let suffix = kind.suffix();
    let name = if base.len() + suffix.len() <= MAX_IDENT_LEN {
        format!("{base}{suffix}")
    } else {
        // `_` and 8 hex digits stand for what was cut; identifiers are ASCII, so any byte
        // index is a character boundary.
        let keep = MAX_IDENT_LEN - suffix.len() - 9;
        format!("{}_{:08x}{suffix}", &base[..keep], fnv1a(base.as_bytes()))
    };
    debug_assert!(validate_ident(&name).is_ok(), "{name}");
    // The parts are checked identifiers joined by `_` and a plain suffix, at most
    // MAX_IDENT_LEN long: the check cannot fail, and the fallback only keeps this total.
    Ident::new(&name).unwrap_or_else(|_| table.clone())
}

/// 32-bit FNV-1a: tiny, fixed by its specification, the same on every platform and version.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(s: &str) -> Ident {
        Ident::new(s).expect("ident")
    }

    #[test]
    fn short_names_are_table_columns_suffix() {
        let t = ident("users");
        assert_eq!(
            derived_name(&t, &[&ident("email")], NameKind::Unique).as_str(),
            "users_email_key"
        );
        assert_eq!(
            derived_name(&t, &[&ident("org_id")], NameKind::ForeignKey).as_str(),
            "users_org_id_fkey"
        );
        assert_eq!(
            derived_name(&t, &[&ident("a"), &ident("b")], NameKind::Index).as_str(),
            "users_a_b_idx"
        );
    }

    #[test]
    fn the_longest_name_that_fits_is_kept_whole() {
        let t = ident("t");
        let column = ident(&"c".repeat(MAX_IDENT_LEN - 2 - 4));
        let name = derived_name(&t, &[&column], NameKind::Index);
        assert_eq!(name.as_str(), format!("t_{}_idx", column.as_str()));
        assert_eq!(name.as_str().len(), MAX_IDENT_LEN);
    }

    #[test]
    fn long_names_are_cut_deterministically_and_stay_distinct() {
        let t = ident(&"t".repeat(MAX_IDENT_LEN));
        let (a, b) = (ident("alpha"), ident("beta"));
        let ab = derived_name(&t, &[&a, &b], NameKind::Unique);
        let ba = derived_name(&t, &[&b, &a], NameKind::Unique);
        assert_eq!(ab, derived_name(&t, &[&a, &b], NameKind::Unique), "deterministic");
        assert_ne!(ab, ba, "the hash keeps names apart that the cut makes alike");
        for name in [&ab, &ba] {
            assert_eq!(name.as_str().len(), MAX_IDENT_LEN);
            assert!(name.as_str().ends_with("_key"), "{}", name.as_str());
            assert_eq!(validate_ident(name.as_str()), Ok(()));
        }
        // Pinned: a name already in a database must not change with a new dal.
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
    }
}
