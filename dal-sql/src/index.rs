//! Indexes and unique constraints declared on an entity (`#[dal(index)]`, `#[dal(unique)]`,
//! `#[dal(index(a, b))]`, `#[dal(unique(a, b))]`, and the index of each foreign key): their
//! names ([`crate::naming`]) and how each dialect declares them.
//!
//! Where each goes, so the catalog keeps the name dal gave it:
//!
//! | | PostgreSQL | MySQL/MariaDB | SQLite |
//! |---|---|---|---|
//! | unique | `CONSTRAINT n UNIQUE (…)` in `CREATE TABLE` | the same | `CREATE UNIQUE INDEX IF NOT EXISTS n …` |
//! | index | `CREATE INDEX IF NOT EXISTS n …` | `INDEX n (…)` in `CREATE TABLE` | `CREATE INDEX IF NOT EXISTS n …` |
//!
//! SQLite names an inline unique constraint's index `sqlite_autoindex_…`, losing dal's name;
//! MySQL has no `CREATE INDEX IF NOT EXISTS`.

use crate::naming::{NameKind, derived_name};
use crate::{Dialect, Ident};

/// An index (unique or not) on some columns of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    table: Ident,
    columns: Vec<Ident>,
    name: Ident,
    unique: bool,
}

impl Index {
    /// The index on `columns` of `table` (at least one, in key order), named by the naming
    /// rule: `{table}_{columns}_key` when `unique`, else `{table}_{columns}_idx`.
    ///
    /// ```
    /// use dal_sql::{Dialect, Ident, index::Index};
    /// let email = Index::new(Ident::new("users")?, vec![Ident::new("email")?], true);
    /// assert_eq!(email.name().as_str(), "users_email_key");
    /// assert_eq!(email.clause(Dialect::Postgres), r#", CONSTRAINT "users_email_key" UNIQUE ("email")"#);
    /// assert_eq!(
    ///     email.create_statement(Dialect::Sqlite).as_deref(),
    ///     Some(r#"CREATE UNIQUE INDEX IF NOT EXISTS "users_email_key" ON "users" ("email")"#)
    /// );
    /// # Ok::<(), dal_sql::IdentError>(())
    /// ```
    pub fn new(table: Ident, columns: Vec<Ident>, unique: bool) -> Index {
        let kind = if unique { NameKind::Unique } else { NameKind::Index };
        let name = derived_name(&table, &columns.iter().collect::<Vec<_>>(), kind);
        Index { table, columns, name, unique }
    }

    /// The index's (and, when unique, its constraint's) name.
    pub fn name(&self) -> &Ident {
        &self.name
    }

    /// The indexed columns, in key order.
    pub fn columns(&self) -> &[Ident] {
        &self.columns
    }

    /// Whether two rows may not hold the same values in these columns.
    pub fn is_unique(&self) -> bool {
        self.unique
    }

    /// Whether `d` declares this index inside `CREATE TABLE` (else by
    /// [`Index::create_statement`]).
    pub fn in_create_table(&self, d: Dialect) -> bool {
        if self.unique {
            d.unique_constraints_in_create_table()
        } else {
            d.indexes_in_create_table()
        }
    }

    /// What this index adds inside `CREATE TABLE` (after the columns, with a leading `, `), or
    /// `""` where it is a statement of its own.
    pub fn clause(&self, d: Dialect) -> String {
        if !self.in_create_table(d) {
            return String::new();
        }
        let (name, columns) = (d.quote(&self.name), self.quoted_columns(d));
        if self.unique {
            format!(", CONSTRAINT {name} UNIQUE ({columns})")
        } else {
            format!(", INDEX {name} ({columns})")
        }
    }

    /// `CREATE [UNIQUE] INDEX IF NOT EXISTS …`, or `None` where the index is declared inside
    /// `CREATE TABLE` ([`Index::clause`]).
    pub fn create_statement(&self, d: Dialect) -> Option<String> {
        (!self.in_create_table(d)).then(|| {
            format!(
                "CREATE {}INDEX IF NOT EXISTS {} ON {} ({})",
                if self.unique { "UNIQUE " } else { "" },
                d.quote(&self.name),
                d.quote(&self.table),
                self.quoted_columns(d)
            )
        })
    }

    fn quoted_columns(&self, d: Dialect) -> String {
        self.columns.iter().map(|c| d.quote(c)).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(s: &str) -> Ident {
        Ident::new(s).expect("ident")
    }

    #[test]
    fn each_dialect_declares_each_kind_where_its_catalog_keeps_the_name() {
        let pair = vec![ident("shop_id"), ident("number")];
        let unique = Index::new(ident("orders"), pair.clone(), true);
        let index = Index::new(ident("orders"), pair, false);
        assert_eq!(unique.name().as_str(), "orders_shop_id_number_key");
        assert_eq!(index.name().as_str(), "orders_shop_id_number_idx");
        assert_eq!(
            unique.clause(Dialect::MySql),
            ", CONSTRAINT `orders_shop_id_number_key` UNIQUE (`shop_id`, `number`)"
        );
        assert_eq!(unique.create_statement(Dialect::Postgres), None);
        assert_eq!(unique.clause(Dialect::Sqlite), "");
        assert_eq!(
            index.clause(Dialect::MySql),
            ", INDEX `orders_shop_id_number_idx` (`shop_id`, `number`)"
        );
        assert_eq!(index.clause(Dialect::Postgres), "");
        assert_eq!(
            index.create_statement(Dialect::Postgres).as_deref(),
            Some(
                r#"CREATE INDEX IF NOT EXISTS "orders_shop_id_number_idx" ON "orders" ("shop_id", "number")"#
            )
        );
        assert_eq!(index.create_statement(Dialect::MySql), None);
    }
}
