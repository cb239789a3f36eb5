//! Cross-field rules, one function each, run after parsing and before any code is generated.
//! Together they turn a parsed [`Container`] into a [`Model`].

use dal_sql::history::{self, HistoryTable};
use dal_sql::{Ident, IdentError};
use proc_macro2::Span;

use super::ast::{Container, Field};
use super::attr::Attr;
use super::constraints;
use super::model::{Column, Model, Roles};
use super::{precision, relations};
use crate::internals::case::snake_case;
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol;

pub(crate) fn validate<'a>(cx: &Ctxt, c: Container<'a>) -> Option<Model<'a>> {
    no_generics(cx, &c);
    let table = table_name(cx, &c);
    let id = single_id(cx, &c);
    let columns = column_names(cx, &c);
    one_role_per_field(cx, &c);
    let roles = roles(cx, &c);
    let shard_key = single_shard_key(cx, &c);
    let (table, id_index, columns, roles, shard_key) = (table?, id?, columns?, roles?, shard_key?);
    has_data_columns(cx, &c)?;
    let (soft_delete, history) = features(cx, &c, &roles, &table, &columns)?;
    let mut references = relations::references(cx, &c, &columns, &table)?;
    let inverses = relations::inverses(cx, &c)?;
    relations::distinct_constants(cx, &columns, &references, &inverses)?;
    let indexes = constraints::indexes(cx, &c, &columns, &table, &references);
    let defaults = constraints::defaults(cx, &c, &columns);
    let precisions = precision::precisions(cx, &c, &columns);
    let (indexes, mut defaults, precisions) = (indexes?, defaults?, precisions?);
    let max_lengths = constraints::max_lengths(cx, &c, &columns, &indexes, &references)?;
    let mut all: Vec<Column<'a>> = columns;
    for (i, col) in all.iter_mut().enumerate() {
        col.indexed =
            references[i].is_some() || indexes.iter().any(|x| x.columns().contains(&col.name));
        col.reference = references[i].take();
        col.default = defaults[i].take();
        col.max_length = max_lengths[i];
        col.precision = precisions[i];
    }
    let id_field = c.fields[id_index].ident;
    let id = all.remove(all.iter().position(|col| col.field == id_field)?);
    // Roles were found among the fields; the model wants positions among the data columns.
    let position = |field: Option<usize>| {
        field.and_then(|f| all.iter().position(|col| col.field == c.fields[f].ident))
    };
    let roles = Roles {
        version: position(roles.version),
        created_at: position(roles.created_at),
        updated_at: position(roles.updated_at),
        deleted_at: position(roles.deleted_at),
    };
    let skipped =
        c.fields.iter().filter(|f| f.attrs.skip.get().is_some()).map(|f| (f.ident, f.ty)).collect();
    let krate = c.attrs.krate.get().cloned().unwrap_or_else(|| syn::parse_quote!(::dal));
    let vis = &c.original.vis;
    let shard_key = shard_key.map(|i| (c.fields[i].ident, c.fields[i].ty));
    Some(Model {
        ident: c.ident,
        vis,
        soft_delete,
        history,
        roles,
        krate,
        table,
        id,
        columns: all,
        skipped,
        shard_key,
        inverses,
        indexes,
    })
}

/// At most one field chooses the shard, and it is one whose value stays put: a stored field
/// (the id or a plain one), never a skipped one or one every save changes (version,
/// timestamps), which would move the row to another shard. Returns its index among all fields.
fn single_shard_key(cx: &Ctxt, c: &Container<'_>) -> Option<Option<usize>> {
    let marked: Vec<usize> =
        (0..c.fields.len()).filter(|&i| c.fields[i].attrs.shard_key.get().is_some()).collect();
    let mut ok = true;
    let span_of =
        |i: usize| c.fields[i].attrs.shard_key.span().unwrap_or_else(|| c.fields[i].ident.span());
    for &i in marked.iter().skip(1) {
        cx.syn_error(syn::Error::new(
            span_of(i),
            format!(
                "an entity has one #[dal(shard_key)] field, and `{}` already is it",
                c.fields[marked[0]].ident
            ),
        ));
        ok = false;
    }
    if let Some(&i) = marked.first() {
        let f = &c.fields[i];
        let changing = [
            (symbol::SKIP, &f.attrs.skip),
            (symbol::VERSION, &f.attrs.version),
            (symbol::CREATED_AT, &f.attrs.created_at),
            (symbol::UPDATED_AT, &f.attrs.updated_at),
            (symbol::DELETED_AT, &f.attrs.deleted_at),
        ];
        if let Some((role, _)) = changing.iter().find(|(_, a)| a.get().is_some()) {
            let why = if *role == symbol::SKIP {
                "is not stored".to_owned()
            } else {
                format!("is #[dal({role})], whose value dal sets when it saves")
            };
            cx.syn_error(syn::Error::new(
                span_of(i),
                format!(
                    "the shard key must stay the same for the life of a row, and `{}` {why}: put #[dal(shard_key)] on a field that does not change, such as a tenant id",
                    f.ident
                ),
            ));
            ok = false;
        }
    }
    ok.then(|| marked.first().copied())
}

/// Which attribute names a role of a field, for messages.
fn role_flags<'f>(f: &'f Field<'_>) -> [(&'static str, &'f Attr<()>); 6] {
    [
        (symbol::SKIP, &f.attrs.skip),
        (symbol::ID, &f.attrs.id),
        (symbol::VERSION, &f.attrs.version),
        (symbol::CREATED_AT, &f.attrs.created_at),
        (symbol::UPDATED_AT, &f.attrs.updated_at),
        (symbol::DELETED_AT, &f.attrs.deleted_at),
    ]
}

/// A field plays one part: id, version, or one of the timestamps.
fn one_role_per_field(cx: &Ctxt, c: &Container<'_>) {
    for f in &c.fields {
        let set: Vec<_> = role_flags(f).into_iter().filter(|(_, a)| a.get().is_some()).collect();
        if let [(first, _), (second, attr), ..] = set.as_slice() {
            let span = attr.span().unwrap_or_else(|| f.ident.span());
            let message = if *first == symbol::SKIP {
                format!(
                    "`{}` is #[dal(skip)]: it is not stored, so it cannot also be #[dal({second})]",
                    f.ident
                )
            } else {
                format!(
                    "a field has one role: `{}` is already #[dal({first})], so it cannot also be #[dal({second})]",
                    f.ident
                )
            };
            cx.syn_error(syn::Error::new(span, message));
        }
    }
}

/// At most one field per system role; returns their indices among all fields.
fn roles(cx: &Ctxt, c: &Container<'_>) -> Option<Roles> {
    let mut ok = true;
    let mut find = |name: &str, pick: for<'f> fn(&'f Field<'_>) -> &'f Attr<()>| {
        let marked: Vec<usize> =
            (0..c.fields.len()).filter(|&i| pick(&c.fields[i]).get().is_some()).collect();
        if let [first, rest @ ..] = marked.as_slice() {
            for &i in rest {
                let span = pick(&c.fields[i]).span().unwrap_or_else(|| c.fields[i].ident.span());
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "an entity has one #[dal({name})] field, and `{}` already is it",
                        c.fields[*first].ident
                    ),
                ));
                ok = false;
            }
        }
        marked.first().copied()
    };
    let roles = Roles {
        version: find(symbol::VERSION, |f| &f.attrs.version),
        created_at: find(symbol::CREATED_AT, |f| &f.attrs.created_at),
        updated_at: find(symbol::UPDATED_AT, |f| &f.attrs.updated_at),
        deleted_at: find(symbol::DELETED_AT, |f| &f.attrs.deleted_at),
    };
    ok.then_some(roles)
}

/// `soft_delete` goes with a deleted_at field, `history` with a version field and a table name
/// short enough for its history table, whose own columns no field may take.
fn features(
    cx: &Ctxt,
    c: &Container<'_>,
    roles: &Roles,
    table: &Ident,
    columns: &[Column<'_>],
) -> Option<(bool, bool)> {
    let mut ok = true;
    let soft_delete = c.attrs.soft_delete.get().is_some();
    match (c.attrs.soft_delete.span(), roles.deleted_at) {
        (Some(span), None) => {
            cx.syn_error(syn::Error::new(
                span,
                "`soft_delete` needs a field to record the deletion: add `#[dal(deleted_at)] deleted_at: Option<DateTime<Utc>>`",
            ));
            ok = false;
        }
        (None, Some(i)) => {
            let span =
                c.fields[i].attrs.deleted_at.span().unwrap_or_else(|| c.fields[i].ident.span());
            cx.syn_error(syn::Error::new(
                span,
                "a #[dal(deleted_at)] field is used by soft delete: add `soft_delete` to the struct's #[dal(...)]",
            ));
            ok = false;
        }
        _ => {}
    }
    let history = c.attrs.history.get().is_some();
    if let Some(span) = c.attrs.history.span() {
        if roles.version.is_none() {
            cx.syn_error(syn::Error::new(
                span,
                "`history` numbers every version of a row: add `#[dal(version)] version: i64`",
            ));
            ok = false;
        }
        if HistoryTable::of(table.as_str()).is_err() {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "the history table `{}{}` and its index would have too long a name: give the table a name of at most {} characters",
                    table.as_str(),
                    history::TABLE_SUFFIX,
                    history::MAX_TABLE_LEN
                ),
            ));
            ok = false;
        }
        let taken =
            |col: &&Column<'_>| history::COLUMNS.iter().any(|h| h.name == col.name.as_str());
        for col in columns.iter().filter(taken) {
            cx.error_spanned_by(
                col.field,
                format!("column `{}` is taken by the history table: rename it with #[dal(column = \"...\")]", col.name.as_str()),
            );
            ok = false;
        }
    }
    ok.then_some((soft_delete, history))
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
    for f in c.fields.iter().filter(|f| f.attrs.skip.get().is_none()) {
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
        columns.push(Column {
            name,
            field: f.ident,
            ty: f.ty,
            reference: None,
            indexed: false,
            max_length: None,
            default: None,
            precision: None,
        });
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
    // The id counts even when wrongly skipped: that mistake has its own error.
    let stored = |f: &&Field<'_>| f.attrs.skip.get().is_none() || f.attrs.id.get().is_some();
    if c.fields.iter().filter(stored).count() < 2 {
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
