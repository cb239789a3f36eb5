//! The validated model: what `check` hands to SQL generation and expansion. Every name in it
//! is a checked SQL identifier.

use dal_sql::Ident;

pub(crate) struct Model<'a> {
    pub(crate) ident: &'a syn::Ident,
    /// Path to the `dal` crate (`::dal` unless `#[dal(crate = "...")]`).
    pub(crate) krate: syn::Path,
    pub(crate) table: Ident,
    pub(crate) id: Column<'a>,
    /// Every column but the id, in field order.
    pub(crate) columns: Vec<Column<'a>>,
}

pub(crate) struct Column<'a> {
    pub(crate) name: Ident,
    pub(crate) field: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
}

impl Model<'_> {
    /// The id, then the other columns: the order of every statement's column list.
    pub(crate) fn all_columns(&self) -> impl Iterator<Item = &Column<'_>> {
        std::iter::once(&self.id).chain(&self.columns)
    }
}
