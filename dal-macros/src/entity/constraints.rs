//! Indexes, unique constraints, defaults and text lengths: the rules for `#[dal(index)]`,
//! `#[dal(unique)]`, `#[dal(default = …)]` and `#[dal(max_length = n)]` on fields and
//! `#[dal(index(a, b))]` / `#[dal(unique(a, b))]` on the struct, run after the columns and
//! foreign keys are known.
//!
//! Whether a default's literal fits the field's type, and whether `max_length` is on text, are
//! left to trait bounds in the generated code (the type is the compiler's to resolve); these
//! rules are the ones the syntax settles.

use dal_sql::Ident;
use dal_sql::default::DefaultValue;
use dal_sql::index::Index;
use proc_macro2::Span;

use super::ast::{Container, Field};
use super::attr::{Attr, DefaultLit};
use super::model::{Column, ColumnDefault, Reference};
use crate::internals::ctxt::Ctxt;
use crate::internals::suggest::closest;
use crate::internals::symbol;

/// The longest `VARCHAR` MariaDB has for utf8mb4 text (65,535 bytes a row, 4 a character).
const MAX_VARCHAR: u32 = 16_383;
/// The longest utf8mb4 text MariaDB's InnoDB indexes whole (3,072 bytes a key).
const MAX_INDEXED_VARCHAR: u32 = 768;

/// The declared indexes: `#[dal(unique)]` and `#[dal(index)]` in field order, then the
/// struct's `unique(…)`/`index(…)` in the order given; `None` when a rule failed (each
/// failure reported). No two indexes of the table (the foreign keys' included) share a name.
pub(crate) fn indexes(
    cx: &Ctxt,
    c: &Container<'_>,
    columns: &[Column<'_>],
    table: &Ident,
    references: &[Option<Reference>],
) -> Option<Vec<Index>> {
    let mut ok = true;
    let mut declared: Vec<(Index, Span)> = Vec::new();
    for f in &c.fields {
        let flags = [(&f.attrs.unique, true), (&f.attrs.index, false)];
        for (attr, unique) in flags {
            let Some(span) = attr.span() else { continue };
            match field_index_problem(f, unique) {
                Some(problem) => {
                    cx.syn_error(syn::Error::new(span, problem));
                    ok = false;
                }
                None => {
                    let Some(col) = columns.iter().find(|col| col.field == f.ident) else {
                        continue;
                    };
                    declared
                        .push((Index::new(table.clone(), vec![col.name.clone()], unique), span));
                }
            }
        }
    }
    for composite in &c.attrs.indexes {
        let mut names: Vec<Ident> = Vec::new();
        for ident in &composite.fields {
            match composite_column(c, columns, ident) {
                Err(problem) => {
                    cx.error_spanned_by(ident, problem);
                    ok = false;
                }
                Ok(name) if names.contains(&name) => {
                    cx.error_spanned_by(
                        ident,
                        format!("`{ident}` is listed twice in this index: list each field once"),
                    );
                    ok = false;
                }
                Ok(name) => names.push(name),
            }
        }
        if names.len() == composite.fields.len() {
            declared.push((Index::new(table.clone(), names, composite.unique), composite.span));
        }
    }
    let foreign: Vec<&Index> = references.iter().flatten().map(|r| r.foreign_key.index()).collect();
    for (i, (index, span)) in declared.iter().enumerate() {
        let earlier = foreign.iter().copied().chain(declared[..i].iter().map(|(x, _)| x));
        if let Some(prev) = earlier.into_iter().find(|prev| prev.name() == index.name()) {
            cx.syn_error(syn::Error::new(*span, duplicate_message(index, prev, &foreign)));
            ok = false;
        }
    }
    ok.then(|| declared.into_iter().map(|(index, _)| index).collect())
}

/// Why `#[dal(unique)]` (or `index`) cannot be on `f`, if it cannot.
fn field_index_problem(f: &Field<'_>, unique: bool) -> Option<String> {
    let key = if unique { symbol::UNIQUE } else { symbol::INDEX };
    let name = field_name(f.ident);
    if f.attrs.id.get().is_some() {
        return Some(format!(
            "`{name}` is the id, the primary key: it is unique and indexed already; remove #[dal({key})]"
        ));
    }
    if f.attrs.skip.get().is_some() {
        return Some(format!(
            "`{name}` is #[dal(skip)]: it is not stored, so there is no column to index; remove #[dal({key})]"
        ));
    }
    if !unique && f.attrs.unique.get().is_some() {
        return Some(format!(
            "`{name}` is #[dal(unique)], whose constraint is an index already; remove #[dal(index)]"
        ));
    }
    if !unique && f.attrs.references.get().is_some() {
        return Some(format!(
            "`{name}` references another entity, and its foreign key has an index already; remove #[dal(index)]"
        ));
    }
    None
}

/// The column of a field named in `index(…)`/`unique(…)`, or why it has none.
fn composite_column(
    c: &Container<'_>,
    columns: &[Column<'_>],
    ident: &syn::Ident,
) -> Result<Ident, String> {
    let Some(f) = c.fields.iter().find(|f| f.ident == ident) else {
        let known: Vec<String> = c.fields.iter().map(|f| field_name(f.ident)).collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let hint = match closest(&field_name(ident), &known) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("name fields of `{}`: {}", c.ident, known.join(", ")),
        };
        return Err(format!("`{ident}` is not a field of `{}`; {hint}", c.ident));
    };
    match columns.iter().find(|col| col.field == f.ident) {
        Some(col) => Ok(col.name.clone()),
        None => Err(format!(
            "`{ident}` is #[dal(skip)]: it is not stored, so an index cannot cover it; remove it from the list"
        )),
    }
}

fn duplicate_message(index: &Index, prev: &Index, foreign: &[&Index]) -> String {
    let name = index.name().as_str();
    let columns = |x: &Index| x.columns().iter().map(Ident::as_str).collect::<Vec<_>>().join(", ");
    if prev.columns() != index.columns() {
        format!(
            "this index would be named `{name}`, like the one on ({}): rename a column with #[dal(column = \"...\")]",
            columns(prev)
        )
    } else if foreign.iter().any(|f| f.name() == prev.name()) {
        format!(
            "({}) has an index already, its foreign key's `{name}`: remove this one",
            columns(index)
        )
    } else {
        format!("`{name}` is declared twice: remove one of them")
    }
}

/// Each column's default (by position in `columns`); `None` when a rule failed.
pub(crate) fn defaults(
    cx: &Ctxt,
    c: &Container<'_>,
    columns: &[Column<'_>],
) -> Option<Vec<Option<ColumnDefault>>> {
    let mut ok = true;
    for f in c.fields.iter().filter(|f| f.attrs.default.get().is_some()) {
        if let Some(problem) = stored_plain_field(f, symbol::DEFAULT) {
            let span = f.attrs.default.span().unwrap_or_else(|| f.ident.span());
            cx.syn_error(syn::Error::new(span, problem));
            ok = false;
        }
    }
    let mut out = Vec::with_capacity(columns.len());
    for col in columns {
        let attr = c.fields.iter().find(|f| f.ident == col.field).map(|f| &f.attrs.default);
        let (Some(lit), Some(span)) = (attr.and_then(Attr::get), attr.and_then(Attr::span)) else {
            out.push(None);
            continue;
        };
        match default_value(lit) {
            Ok(value) => out.push(Some(ColumnDefault { value, span })),
            Err(e) => {
                cx.syn_error(e);
                ok = false;
                out.push(None);
            }
        }
    }
    ok.then_some(out)
}

fn default_value(lit: &DefaultLit) -> syn::Result<DefaultValue> {
    match lit {
        DefaultLit::Str(s) => DefaultValue::text(&s.value())
            .map_err(|e| syn::Error::new(s.span(), format!("{e}: remove it from the string"))),
        DefaultLit::Int { lit, negative } => {
            let n: i128 = lit.base10_parse().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    "this integer is too large for any column: give a smaller default",
                )
            })?;
            Ok(DefaultValue::Integer(if *negative { -n } else { n }))
        }
        DefaultLit::Float { lit, negative } => {
            let sign = if *negative { "-" } else { "" };
            DefaultValue::float(&format!("{sign}{}", lit.base10_digits()))
                .map_err(|e| syn::Error::new(lit.span(), format!("{e}: give a finite number")))
        }
        DefaultLit::Bool(b) => Ok(DefaultValue::Bool(b.value)),
        DefaultLit::Now => Ok(DefaultValue::Now),
    }
}

/// Each column's `max_length` (by position in `columns`); `None` when a rule failed. An
/// indexed column's length must fit MariaDB's key.
pub(crate) fn max_lengths(
    cx: &Ctxt,
    c: &Container<'_>,
    columns: &[Column<'_>],
    indexes: &[Index],
    references: &[Option<Reference>],
) -> Option<Vec<Option<(u32, Span)>>> {
    let mut ok = true;
    for f in c.fields.iter().filter(|f| f.attrs.max_length.get().is_some()) {
        if let Some(problem) = stored_plain_field(f, symbol::MAX_LENGTH) {
            let span = f.attrs.max_length.span().unwrap_or_else(|| f.ident.span());
            cx.syn_error(syn::Error::new(span, problem));
            ok = false;
        }
    }
    let mut out = Vec::with_capacity(columns.len());
    for (i, col) in columns.iter().enumerate() {
        let attr = c.fields.iter().find(|f| f.ident == col.field).map(|f| &f.attrs.max_length);
        let (Some(lit), Some(span)) = (attr.and_then(Attr::get), attr.and_then(Attr::span)) else {
            out.push(None);
            continue;
        };
        let indexed =
            references[i].is_some() || indexes.iter().any(|x| x.columns().contains(&col.name));
        let limit = if indexed { MAX_INDEXED_VARCHAR } else { MAX_VARCHAR };
        match lit.base10_parse::<u32>() {
            Ok(n) if (1..=limit).contains(&n) => out.push(Some((n, span))),
            _ => {
                let why = if indexed {
                    format!(
                        "an indexed text column holds at most {MAX_INDEXED_VARCHAR} characters (MariaDB indexes 3,072 bytes of utf8mb4 text)"
                    )
                } else {
                    format!(
                        "a text column's length is from 1 to {MAX_VARCHAR} characters (MariaDB's longest VARCHAR of utf8mb4 text)"
                    )
                };
                cx.syn_error(syn::Error::new(
                    lit.span(),
                    format!("{why}: give max_length = {limit} or less"),
                ));
                ok = false;
                out.push(None);
            }
        }
    }
    ok.then_some(out)
}

/// Why `key` cannot be on `f` (the id, or a skipped field), if it cannot.
fn stored_plain_field(f: &Field<'_>, key: &str) -> Option<String> {
    let name = field_name(f.ident);
    if f.attrs.id.get().is_some() {
        let why = if key == symbol::DEFAULT {
            "whose value dal or the database gives (a new Uuid, or an i64 the database assigns), so a default would never be used"
        } else {
            "whose column type its id type fixes"
        };
        return Some(format!("`{name}` is the id, {why}; remove `{key}`"));
    }
    if f.attrs.skip.get().is_some() {
        return Some(format!(
            "`{name}` is #[dal(skip)]: it is not stored, so it has no column for `{key}`; remove `{key}`"
        ));
    }
    None
}

fn field_name(ident: &syn::Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_owned()
}
