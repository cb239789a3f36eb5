//! The shape of a foreign key in generated DDL, in one place: what `ON DELETE` may say, what
//! the constraint and its index are called, and how each dialect declares the index.
//!
//! A field `customer_id` of table `orders` that references another entity becomes
//! `CONSTRAINT "orders_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"
//! ("id") ON DELETE RESTRICT` inside `CREATE TABLE`, and an index `orders_customer_id_idx` on
//! the column (inside `CREATE TABLE` on MySQL, which has no `CREATE INDEX IF NOT EXISTS`; a
//! statement of its own elsewhere). The referenced table's name comes from its entity, which
//! `dal-macros` reaches through the compiler; everything else is decided here.

use crate::ident::MAX_IDENT_LEN;
use crate::{Dialect, Ident, IdentError};

/// What the database does to the rows that reference a row being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDelete {
    /// The delete fails while rows reference it (the default).
    #[default]
    Restrict,
    /// The referencing rows are deleted too.
    Cascade,
    /// The referencing rows' key becomes `NULL` (the column must be nullable).
    SetNull,
}

impl OnDelete {
    /// Every choice, by the name `#[dal(on_delete = "…")]` takes.
    pub const NAMES: &'static [(&'static str, OnDelete)] = &[
        ("restrict", OnDelete::Restrict),
        ("cascade", OnDelete::Cascade),
        ("set_null", OnDelete::SetNull),
    ];

    /// The choice named `name` (`restrict`, `cascade`, `set_null`).
    pub fn from_name(name: &str) -> Option<OnDelete> {
        Self::NAMES.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// The clause, the same on every dialect.
    pub const fn as_sql(self) -> &'static str {
        match self {
            OnDelete::Restrict => "ON DELETE RESTRICT",
            OnDelete::Cascade => "ON DELETE CASCADE",
            OnDelete::SetNull => "ON DELETE SET NULL",
        }
    }
}

/// What the constraint name adds to `table_column`.
pub const CONSTRAINT_SUFFIX: &str = "_fkey";
/// What the index name adds to `table_column`.
pub const INDEX_SUFFIX: &str = "_idx";

/// The names a foreign key's constraint and index get: `{table}_{column}_fkey` and
/// `{table}_{column}_idx` (PostgreSQL's own naming for constraints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    table: Ident,
    column: Ident,
    constraint: Ident,
    index: Ident,
}

impl ForeignKey {
    /// The foreign key on `column` of `table`; an error when a name it needs would be longer
    /// than an identifier may be (then `table` and `column` together are too long).
    pub fn of(table: &Ident, column: &Ident) -> Result<ForeignKey, IdentError> {
        let base = format!("{}_{}", table.as_str(), column.as_str());
        let longest = base.len() + CONSTRAINT_SUFFIX.len().max(INDEX_SUFFIX.len());
        if longest > MAX_IDENT_LEN {
            return Err(IdentError::TooLong(longest));
        }
        Ok(ForeignKey {
            table: table.clone(),
            column: column.clone(),
            constraint: Ident::new(&format!("{base}{CONSTRAINT_SUFFIX}"))?,
            index: Ident::new(&format!("{base}{INDEX_SUFFIX}"))?,
        })
    }

    /// The constraint's name.
    pub fn constraint(&self) -> &Ident {
        &self.constraint
    }

    /// The index's name.
    pub fn index(&self) -> &Ident {
        &self.index
    }

    /// `, CONSTRAINT "t_c_fkey" FOREIGN KEY ("c") REFERENCES `: what comes before the
    /// referenced table inside `CREATE TABLE`, preceded on MySQL by the index.
    pub fn clause_head(&self, d: Dialect) -> String {
        let column = d.quote(&self.column);
        let mut out = String::new();
        if d.indexes_in_create_table() {
            out.push_str(&format!(", INDEX {} ({column})", d.quote(&self.index)));
        }
        out.push_str(&format!(
            ", CONSTRAINT {} FOREIGN KEY ({column}) REFERENCES ",
            d.quote(&self.constraint)
        ));
        out
    }

    /// ` ON DELETE …`: what follows the referenced table and its `(id)`.
    pub fn clause_tail(on_delete: OnDelete) -> String {
        format!(" {}", on_delete.as_sql())
    }

    /// `CREATE INDEX IF NOT EXISTS …` on the column, or `None` where the index is declared
    /// inside `CREATE TABLE` ([`ForeignKey::clause_head`]).
    pub fn create_index(&self, d: Dialect) -> Option<String> {
        (!d.indexes_in_create_table()).then(|| {
            format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
                d.quote(&self.index),
                d.quote(&self.table),
                d.quote(&self.column)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(s: &str) -> Ident {
        Ident::new(s).expect("ident")
    }

    #[test]
    fn names_follow_the_table_and_column() {
        let fk = ForeignKey::of(&ident("orders"), &ident("customer_id")).expect("fits");
        assert_eq!(fk.constraint().as_str(), "orders_customer_id_fkey");
        assert_eq!(fk.index().as_str(), "orders_customer_id_idx");
        assert_eq!(
            fk.clause_head(Dialect::MySql),
            ", INDEX `orders_customer_id_idx` (`customer_id`), CONSTRAINT `orders_customer_id_fkey` FOREIGN KEY (`customer_id`) REFERENCES "
        );
        assert_eq!(
            fk.create_index(Dialect::Postgres).as_deref(),
            Some(
                r#"CREATE INDEX IF NOT EXISTS "orders_customer_id_idx" ON "orders" ("customer_id")"#
            )
        );
        assert_eq!(fk.create_index(Dialect::MySql), None);
    }

    #[test]
    fn a_name_past_the_identifier_limit_is_refused() {
        let long = ident(&"t".repeat(50));
        let e = ForeignKey::of(&long, &ident("customer_id")).expect_err("too long");
        assert_eq!(e, IdentError::TooLong(50 + 1 + 11 + 5));
    }

    #[test]
    fn on_delete_names_round_trip() {
        for (name, choice) in OnDelete::NAMES {
            assert_eq!(OnDelete::from_name(name), Some(*choice));
        }
        assert_eq!(OnDelete::from_name("nothing"), None);
        assert_eq!(OnDelete::default().as_sql(), "ON DELETE RESTRICT");
    }
}
