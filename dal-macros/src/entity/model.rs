//! The validated model: what `check` hands to SQL generation and expansion. Every name in it
//! is a checked SQL identifier.

use dal_sql::Ident;
use dal_sql::default::DefaultValue;
use dal_sql::history::HistoryTable;
use dal_sql::index::Index;
use dal_sql::relation::{ForeignKey, OnDelete};

pub(crate) struct Model<'a> {
    pub(crate) ident: &'a syn::Ident,
    /// The struct's visibility, given to the generated patch type.
    pub(crate) vis: &'a syn::Visibility,
    /// Soft delete: `delete` sets the deleted_at column, reads skip deleted rows.
    pub(crate) soft_delete: bool,
    /// A history table keeps every version.
    pub(crate) history: bool,
    /// Which data columns (indices into `columns`) have a system role.
    pub(crate) roles: Roles,
    /// Path to the `dal` crate (`::dal` unless `#[dal(crate = "...")]`).
    pub(crate) krate: syn::Path,
    pub(crate) table: Ident,
    pub(crate) id: Column<'a>,
    /// Every column but the id, in field order.
    pub(crate) columns: Vec<Column<'a>>,
    /// Fields that are not stored (`#[dal(skip)]`): filled with `Default::default()` on reads.
    pub(crate) skipped: Vec<(&'a syn::Ident, &'a syn::Type)>,
    /// The field that chooses the shard (`#[dal(shard_key)]`), with its type.
    pub(crate) shard_key: Option<(&'a syn::Ident, &'a syn::Type)>,
    /// Relations declared on the struct (`has_many`, `has_one`).
    pub(crate) inverses: Vec<Inverse>,
    /// Indexes and unique constraints from `#[dal(index)]`, `#[dal(unique)]` (field order),
    /// then the struct's `index(…)`/`unique(…)`; the foreign keys' own are in `references`.
    pub(crate) indexes: Vec<Index>,
}

/// Indices into [`Model::columns`] of the fields with a system role.
#[derive(Default, Clone, Copy)]
pub(crate) struct Roles {
    pub(crate) version: Option<usize>,
    pub(crate) created_at: Option<usize>,
    pub(crate) updated_at: Option<usize>,
    pub(crate) deleted_at: Option<usize>,
}

pub(crate) struct Column<'a> {
    pub(crate) name: Ident,
    pub(crate) field: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
    /// The entity this column's value is the id of (`#[dal(references = …)]`).
    pub(crate) reference: Option<Reference>,
    /// In an index or unique constraint (a foreign key's too): MariaDB needs a type it can
    /// index (`Column::MYSQL_INDEXED`).
    pub(crate) indexed: bool,
    /// `#[dal(max_length = n)]`: `VARCHAR(n)` where the backend enforces it; with the
    /// key's span, where a field that is not text is reported.
    pub(crate) max_length: Option<(u32, proc_macro2::Span)>,
    /// `#[dal(default = …)]`.
    pub(crate) default: Option<ColumnDefault>,
    /// `#[dal(precision = …, scale = …)]`: a decimal column of that size.
    pub(crate) precision: Option<Precision>,
}

/// A column's DDL default, with what the field's type must accept for it.
pub(crate) struct ColumnDefault {
    pub(crate) value: DefaultValue,
    /// The `default` key, where a type mismatch is reported.
    pub(crate) span: proc_macro2::Span,
}

/// The size of a decimal column, checked against [`dal_sql::decimal::MAX_PRECISION`].
#[derive(Clone, Copy)]
pub(crate) struct Precision {
    pub(crate) digits: u32,
    pub(crate) scale: u32,
    /// The `precision` key: where an error about the field's type points.
    pub(crate) span: proc_macro2::Span,
}

/// A belongs-to relation: the column holds the id of a row of `target`.
pub(crate) struct Reference {
    pub(crate) target: syn::Path,
    pub(crate) on_delete: OnDelete,
    pub(crate) foreign_key: ForeignKey,
    /// The relation constant (`customer_id` → `CUSTOMER`).
    pub(crate) relation: syn::Ident,
}

/// A relation declared on the parent, following a child's belongs-to relation back.
pub(crate) struct Inverse {
    /// `has_many` (else `has_one`).
    pub(crate) many: bool,
    /// The relation constant (`orders` → `ORDERS`).
    pub(crate) konst: syn::Ident,
    /// The child entity (`Order`).
    pub(crate) child: syn::Path,
    /// The child's relation constant (`Order::CUSTOMER`).
    pub(crate) belongs_to: syn::Path,
}

impl Model<'_> {
    /// Whether data column `i` is one the user edits (not a version or timestamp).
    pub(crate) fn is_plain(&self, i: usize) -> bool {
        let r = self.roles;
        ![r.version, r.created_at, r.updated_at, r.deleted_at].contains(&Some(i))
    }

    /// The names of the history table and its index (see [`dal_sql::history`]).
    pub(crate) fn history_table(&self) -> Option<HistoryTable> {
        HistoryTable::of(self.table.as_str()).ok()
    }

    /// The data columns that reference another entity, with their position in `columns`.
    pub(crate) fn references(&self) -> impl Iterator<Item = (usize, &Reference)> {
        self.columns.iter().enumerate().filter_map(|(i, c)| c.reference.as_ref().map(|r| (i, r)))
    }

    /// Every index of the table: each foreign key's, then [`Model::indexes`].
    pub(crate) fn all_indexes(&self) -> impl Iterator<Item = &Index> {
        self.references().map(|(_, r)| r.foreign_key.index()).chain(&self.indexes)
    }

    /// The id, then the other columns: the order of every statement's column list.
    pub(crate) fn all_columns(&self) -> impl Iterator<Item = &Column<'_>> {
        std::iter::once(&self.id).chain(&self.columns)
    }
}
