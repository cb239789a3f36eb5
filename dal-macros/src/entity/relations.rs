//! Relations: the rules for `#[dal(references = …, on_delete = …)]` on a field and
//! `#[dal(has_many(…), has_one(…))]` on the struct, run after the columns are known.
//!
//! What the compiler must decide (that the target is an entity, that the key has the type of
//! its id, that a `has_many` names a relation pointing back here) is left to trait bounds in
//! the generated code, spanned at the attribute; these rules are the ones the syntax settles.

use dal_sql::relation::{ForeignKey, OnDelete};

use super::ast::Container;
use super::model::{Column, Inverse, Reference};
use crate::internals::ctxt::Ctxt;
use crate::internals::suggest::closest;

/// The belongs-to relation of each column (by position in `columns`, the id first); `None`
/// when a rule failed (each failure reported).
pub(crate) fn references<'a>(
    cx: &Ctxt,
    c: &Container<'a>,
    columns: &[Column<'a>],
    table: &dal_sql::Ident,
) -> Option<Vec<Option<Reference>>> {
    let mut ok = true;
    let mut out = Vec::with_capacity(columns.len());
    for col in columns {
        let Some(f) = c.fields.iter().find(|f| f.ident == col.field) else {
            out.push(None);
            continue;
        };
        let on_delete = match f.attrs.on_delete.get() {
            None => Some(OnDelete::default()),
            Some(lit) => on_delete(cx, lit),
        };
        let Some(target) = f.attrs.references.get() else {
            if let Some(span) = f.attrs.on_delete.span() {
                cx.syn_error(syn::Error::new(
                    span,
                    "`on_delete` says what happens to this row when the row it references is deleted: add `references = Entity` to this field",
                ));
                ok = false;
            }
            out.push(None);
            continue;
        };
        let span = f.attrs.references.span().unwrap_or_else(|| f.ident.span());
        if let Some(role) = [
            ("id", &f.attrs.id),
            ("version", &f.attrs.version),
            ("created_at", &f.attrs.created_at),
            ("updated_at", &f.attrs.updated_at),
            ("deleted_at", &f.attrs.deleted_at),
        ]
        .iter()
        .find(|(_, a)| a.get().is_some())
        .map(|(r, _)| r)
        {
            let why = if *role == "id" {
                "the entity's own id".to_owned()
            } else {
                format!("#[dal({role})], whose value dal sets")
            };
            cx.syn_error(syn::Error::new(
                span,
                format!("`{}` is {why}: put `references` on a field of its own, such as `customer_id: Uuid`", f.ident),
            ));
            ok = false;
            out.push(None);
            continue;
        }
        let nullable = is_option(f.ty);
        let Some(on_delete) = on_delete else {
            ok = false;
            out.push(None);
            continue;
        };
        if on_delete == OnDelete::SetNull && !nullable {
            let lit_span = f.attrs.on_delete.span().unwrap_or(span);
            cx.syn_error(syn::Error::new(
                lit_span,
                format!(
                    "`on_delete = \"set_null\"` needs a nullable key: make `{}` an `Option<…>`, or choose \"cascade\" or \"restrict\"",
                    f.ident
                ),
            ));
            ok = false;
        }
        let field = f.ident.to_string();
        let field = field.trim_start_matches("r#");
        let Some(stem) = field.strip_suffix("_id").filter(|s| !s.is_empty()) else {
            cx.error_spanned_by(
                f.ident,
                format!(
                    "a reference's relation is named after its field without `_id`: rename `{field}` to `{field}_id`, which gives the relation constant `{}`",
                    field.to_uppercase()
                ),
            );
            ok = false;
            out.push(None);
            continue;
        };
        let foreign_key = ForeignKey::of(table, &col.name);
        out.push(Some(Reference {
            target: target.clone(),
            on_delete,
            foreign_key,
            relation: syn::Ident::new(&stem.to_uppercase(), f.ident.span()),
        }));
    }
    ok.then_some(out)
}

/// The relations declared on the struct, each named by its constant (`orders` → `ORDERS`)
/// and pointing at a child's relation constant (`Order::CUSTOMER`), whose type names the child.
pub(crate) fn inverses(cx: &Ctxt, c: &Container<'_>) -> Option<Vec<Inverse>> {
    let mut ok = true;
    let mut out = Vec::new();
    for i in &c.attrs.inverses {
        let mut child = i.belongs_to.clone();
        if child.segments.len() < 2 {
            cx.error_spanned_by(
                &i.belongs_to,
                "name the child's reference by its entity and relation constant: write Order::CUSTOMER, the constant `#[dal(references = ...)]` on `customer_id` gives",
            );
            ok = false;
            continue;
        }
        child.segments.pop();
        child.segments.pop_punct();
        out.push(Inverse {
            many: i.many,
            konst: syn::Ident::new(&i.name.to_string().to_uppercase(), i.name.span()),
            child,
            belongs_to: i.belongs_to.clone(),
        });
    }
    ok.then_some(out)
}

/// Every generated constant (columns, relations) has its own name.
pub(crate) fn distinct_constants(
    cx: &Ctxt,
    columns: &[Column<'_>],
    references: &[Option<Reference>],
    inverses: &[Inverse],
) -> Option<()> {
    let mut taken: Vec<String> = columns
        .iter()
        .map(|c| c.field.to_string().trim_start_matches("r#").to_uppercase())
        .collect();
    let mut ok = true;
    let relations =
        references.iter().flatten().map(|r| &r.relation).chain(inverses.iter().map(|i| &i.konst));
    for name in relations {
        let text = name.to_string();
        if taken.contains(&text) {
            cx.error_spanned_by(
                name,
                format!("the relation constant `{text}` would clash with another constant of this entity: name the relation otherwise"),
            );
            ok = false;
        }
        taken.push(text);
    }
    ok.then_some(())
}

fn on_delete(cx: &Ctxt, lit: &syn::LitStr) -> Option<OnDelete> {
    let value = lit.value();
    OnDelete::from_name(&value).or_else(|| {
        let names: Vec<&str> = OnDelete::NAMES.iter().map(|(n, _)| *n).collect();
        let hint = match closest(&value, &names) {
            Some(near) => format!("did you mean \"{near}\"?"),
            None => format!("expected one of \"{}\"", names.join("\", \"")),
        };
        cx.syn_error(syn::Error::new(lit.span(), format!("unknown on_delete `{value}`; {hint}")));
        None
    })
}

/// Whether `ty` is written `Option<…>` (a nullable column): the syntax decides, as for every
/// nullable column; a type alias hiding an `Option` is not seen through.
fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|s| {
            s.ident == "Option" && matches!(s.arguments, syn::PathArguments::AngleBracketed(_))
        }),
        syn::Type::Group(g) => is_option(&g.elem),
        _ => false,
    }
}
