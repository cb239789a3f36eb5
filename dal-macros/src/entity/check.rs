//! Cross-field rules, one function each, run after parsing and before any code is generated.
//! Together they turn a parsed [`Container`] into a [`Model`].

use dal_sql::{Ident, IdentError};
use proc_macro2::Span;

use super::ast::{Container, Field};
use super::model::{Column, Model};
use crate::internals::case::snake_case;
use crate::internals::ctxt::Ctxt;

pub(crate) fn validate<'a>(cx: &Ctxt, c: Container<'a>) -> Option<Model<'a>> {
    no_generics(cx, &c);
    let table = table_name(cx, &c);
    let id = single_id(cx, &c);
    let columns = column_names(cx, &c);
    let (table, id_index, columns) = (table?, id?, columns?);
    has_data_columns(cx, &c)?;
    let mut all: Vec<Column<'a>> = columns;
    let id = all.remove(id_index);
    let krate = c.attrs.krate.get().cloned().unwrap_or_else(|| syn::parse_quote!(::dal));
    Some(Model { ident: c.ident, krate, table, id, columns: all })
}

/// Entities are concrete types: their SQL is a constant, which generic parameters would make
/// impossible.
fn no_generics(cx: &Ctxt, c: &Container<'_>) {
    let generics = &c.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "an entity cannot have generic parameters: its SQL is generated as constants; derive Entity on a concrete struct",
        );
    }
}

/// The table name: `table = "..."`, else the struct name in snake_case.
fn table_name(cx: &Ctxt, c: &Container<'_>) -> Option<Ident> {
    match c.attrs.table.get() {
        Some(lit) => ident(cx, &lit.value(), lit.span(), "table name", "table = \"my_table\""),
        None => ident(
            cx,
            &snake_case(&c.ident.to_string()),
            c.ident.span(),
            "default table name",
            "#[dal(table = \"my_table\")]",
        ),
    }
}

/// Exactly one field is `#[dal(id)]`; returns its index.
fn single_id(cx: &Ctxt, c: &Container<'_>) -> Option<usize> {
    let ids: Vec<usize> =
        (0..c.fields.len()).filter(|&i| c.fields[i].attrs.id.get().is_some()).collect();
    match ids.as_slice() {
        [] => {
            cx.error_spanned_by(
                c.ident,
                "an entity needs an id: mark one field with #[dal(id)] (a Uuid, generated when nil, or an i64, assigned by the database)",
            );
            None
        }
        [one] => Some(*one),
        [first, rest @ ..] => {
            for &i in rest {
                let span = c.fields[i].attrs.id.span().unwrap_or_else(|| c.fields[i].ident.span());
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "an entity has one id, and `{}` already is it: remove #[dal(id)] here",
                        c.fields[*first].ident
                    ),
                ));
            }
            None
        }
    }
}

/// Every field's column name is a valid identifier and appears once.
fn column_names<'a>(cx: &Ctxt, c: &Container<'a>) -> Option<Vec<Column<'a>>> {
    let mut ok = true;
    let mut columns: Vec<Column<'a>> = Vec::new();
    for f in &c.fields {
        let Some(name) = column_ident(cx, f) else {
            ok = false;
            continue;
        };
        if let Some(prev) = columns.iter().find(|p| p.name == name) {
            cx.error_spanned_by(
                f.ident,
                format!(
                    "column `{}` is already used by field `{}`: give one of them #[dal(column = \"other_name\")]",
                    name.as_str(),
                    prev.field
                ),
            );
            ok = false;
            continue;
        }
        columns.push(Column { name, field: f.ident, ty: f.ty });
    }
    ok.then_some(columns)
}

fn column_ident(cx: &Ctxt, f: &Field<'_>) -> Option<Ident> {
    match f.attrs.column.get() {
        Some(lit) => ident(cx, &lit.value(), lit.span(), "column name", "column = \"my_column\""),
        None => {
            let name = f.ident.to_string();
            let name = name.strip_prefix("r#").unwrap_or(&name);
            ident(cx, name, f.ident.span(), "column name", "#[dal(column = \"my_column\")]")
        }
    }
}

/// An update needs something to set: at least one column besides the id.
fn has_data_columns(cx: &Ctxt, c: &Container<'_>) -> Option<()> {
    if c.fields.len() < 2 {
        cx.error_spanned_by(c.ident, "an entity needs at least one field besides its id");
        return None;
    }
    Some(())
}

fn ident(cx: &Ctxt, name: &str, span: Span, what: &str, fix: &str) -> Option<Ident> {
    Ident::new(name)
        .map_err(|e: IdentError| {
            cx.syn_error(syn::Error::new(
                span,
                format!("`{name}` is not a valid {what}: {e}; set another with {fix}"),
            ));
        })
        .ok()
}
