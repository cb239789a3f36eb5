//! The shape of a foreign key in generated DDL, in one place: what `ON DELETE` may say, what
//! the constraint and its index are called, and how each dialect declares the index.
//!
//! A field `customer_id` of table `orders` that references another entity becomes
//! `CONSTRAINT "orders_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"
//! ("id") ON DELETE RESTRICT` inside `CREATE TABLE`, and an [`Index`] `orders_customer_id_idx`
//! on the column (inside `CREATE TABLE` on MySQL, which has no `CREATE INDEX IF NOT EXISTS`; a
//! statement of its own elsewhere). Both names follow [the naming rule](crate::naming). The
//! referenced table's name comes from its entity, which `dal-macros` reaches through the
//! compiler; everything else is decided here.

use crate::index::Index;
use crate::naming::{NameKind, derived_name};
use crate::{Dialect, Ident};

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

/// A foreign key's constraint (`{table}_{column}_fkey`) and index (`{table}_{column}_idx`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    column: Ident,
    constraint: Ident,
    index: Index,
}

impl ForeignKey {
    /// The foreign key on `column` of `table`.
    pub fn of(table: &Ident, column: &Ident) -> ForeignKey {
        ForeignKey {
            column: column.clone(),
            constraint: derived_name(table, &[column], NameKind::ForeignKey),
            index: Index::new(table.clone(), vec![column.clone()], false),
        }
    }

    /// The constraint's name.
    pub fn constraint(&self) -> &Ident {
        &self.constraint
    }

    /// The index on the key column.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// `, CONSTRAINT "t_c_fkey" FOREIGN KEY ("c") REFERENCES `: what comes before the
    /// referenced table inside `CREATE TABLE`, preceded on MySQL by the index.
    pub fn clause_head(&self, d: Dialect) -> String {
        let column = d.quote(&self.column);
        let mut out = self.index.clause(d);
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
        self.index.create_statement(d)
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
        let fk = ForeignKey::of(&ident("orders"), &ident("customer_id"));
        assert_eq!(fk.constraint().as_str(), "orders_customer_id_fkey");
        assert_eq!(fk.index().name().as_str(), "orders_customer_id_idx");
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
    fn a_name_past_the_identifier_limit_is_shortened_by_the_naming_rule() {
        let long = ident(&"t".repeat(50));
        let fk = ForeignKey::of(&long, &ident("customer_id"));
        assert_eq!(fk.constraint().as_str().len(), crate::ident::MAX_IDENT_LEN);
        assert!(fk.constraint().as_str().ends_with("_fkey"));
        assert!(fk.index().name().as_str().ends_with("_idx"));
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
