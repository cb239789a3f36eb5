//! Parsing `#[dal(...)]` on the struct and on fields into typed attributes.
//!
//! Every key is checked: an unknown key is an error on that key (with a suggestion when it is
//! close to a known one, or a note when it belongs on the other level), a key given twice is an
//! error on its second use, and parsing goes on so all mistakes show at once.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, LitInt, LitStr};

use crate::internals::ctxt::Ctxt;
use crate::internals::suggest::closest;
use crate::internals::symbol::{self, CONTAINER_KEYS, FIELD_KEYS};

/// An attribute value that remembers where it was set.
pub(crate) struct Attr<T> {
    name: &'static str,
    value: Option<(Span, T)>,
}

impl<T> Attr<T> {
    pub(crate) fn none(name: &'static str) -> Self {
        Attr { name, value: None }
    }

    pub(crate) fn set(&mut self, cx: &Ctxt, span: Span, value: T) {
        if self.value.is_some() {
            cx.syn_error(syn::Error::new(
                span,
                format!("duplicate dal attribute `{}`: give it once", self.name),
            ));
        } else {
            self.value = Some((span, value));
        }
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_ref().map(|(_, v)| v)
    }

    pub(crate) fn span(&self) -> Option<Span> {
        self.value.as_ref().map(|(s, _)| *s)
    }
}

/// `#[dal(...)]` on the struct.
pub(crate) struct ContainerAttrs {
    pub(crate) table: Attr<LitStr>,
    pub(crate) krate: Attr<syn::Path>,
    pub(crate) soft_delete: Attr<()>,
    pub(crate) history: Attr<()>,
    /// `has_many(name = Child::RELATION)` and `has_one(...)`, in the order given.
    pub(crate) inverses: Vec<Inverse>,
    /// `index(a, b)` and `unique(a, b)`, in the order given.
    pub(crate) indexes: Vec<CompositeIndex>,
}

/// A composite index declared on the struct: `index(a, b)` or `unique(a, b)`, naming fields.
pub(crate) struct CompositeIndex {
    pub(crate) unique: bool,
    /// The key (`index`, `unique`), for errors about the whole index.
    pub(crate) span: Span,
    pub(crate) fields: Vec<syn::Ident>,
}

/// The literal of `#[dal(default = …)]`, as written.
pub(crate) enum DefaultLit {
    Str(LitStr),
    /// An integer, negated when written with a leading `-`.
    Int {
        lit: LitInt,
        negative: bool,
    },
    /// A float, negated when written with a leading `-`.
    Float {
        lit: syn::LitFloat,
        negative: bool,
    },
    Bool(syn::LitBool),
    /// `now`: the time of the insert.
    Now,
}

/// A relation declared on the parent: the name of its constant, and the child's belongs-to
/// relation it inverts (`has_many(orders = Order::CUSTOMER)`).
pub(crate) struct Inverse {
    pub(crate) many: bool,
    pub(crate) name: syn::Ident,
    pub(crate) belongs_to: syn::Path,
}

/// `#[dal(...)]` on a field.
pub(crate) struct FieldAttrs {
    pub(crate) id: Attr<()>,
    pub(crate) column: Attr<LitStr>,
    pub(crate) version: Attr<()>,
    pub(crate) created_at: Attr<()>,
    pub(crate) updated_at: Attr<()>,
    pub(crate) deleted_at: Attr<()>,
    pub(crate) skip: Attr<()>,
    pub(crate) shard_key: Attr<()>,
    /// `references = Customer`: the field is a foreign key to that entity's id.
    pub(crate) references: Attr<syn::Path>,
    /// `on_delete = "cascade"`: what deleting the referenced row does to this one.
    pub(crate) on_delete: Attr<LitStr>,
    /// `unique`: no two rows hold the same value.
    pub(crate) unique: Attr<()>,
    /// `index`: the column gets an index of its own.
    pub(crate) index: Attr<()>,
    /// `default = …`: the column's DDL default.
    pub(crate) default: Attr<DefaultLit>,
    /// `max_length = n`: the text column is `VARCHAR(n)`.
    pub(crate) max_length: Attr<LitInt>,
    /// `precision = 19`: the digits of a decimal column.
    pub(crate) precision: Attr<LitInt>,
    /// `scale = 4`: how many of them follow the point.
    pub(crate) scale: Attr<LitInt>,
}

impl ContainerAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = ContainerAttrs {
            table: Attr::none(symbol::TABLE),
            krate: Attr::none(symbol::CRATE),
            soft_delete: Attr::none(symbol::SOFT_DELETE),
            history: Attr::none(symbol::HISTORY),
            inverses: Vec::new(),
            indexes: Vec::new(),
        };
        each_key(cx, attrs, |meta, key| {
            match key.as_str() {
                symbol::SOFT_DELETE => {
                    no_value(cx, &meta, symbol::SOFT_DELETE)?;
                    out.soft_delete.set(cx, meta.path.span(), ());
                }
                symbol::HISTORY => {
                    no_value(cx, &meta, symbol::HISTORY)?;
                    out.history.set(cx, meta.path.span(), ());
                }
                symbol::TABLE => out.table.set(cx, meta.path.span(), string_value(&meta)?),
                symbol::HAS_MANY | symbol::HAS_ONE => {
                    let many = key == symbol::HAS_MANY;
                    inverses(&meta, &key, |name, belongs_to| {
                        out.inverses.push(Inverse { many, name, belongs_to })
                    })?;
                }
                symbol::INDEX | symbol::UNIQUE => {
                    let unique = key == symbol::UNIQUE;
                    let fields = composite_fields(&meta, &key)?;
                    out.indexes.push(CompositeIndex { unique, span: meta.path.span(), fields });
                }
                symbol::CRATE => {
                    let lit = string_value(&meta)?;
                    out.krate.set(cx, meta.path.span(), lit.parse::<syn::Path>()?);
                }
                _ => unknown_key(cx, &meta, &key, CONTAINER_KEYS, FIELD_KEYS, "a field")?,
            }
            Ok(())
        });
        out
    }
}

impl FieldAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = FieldAttrs {
            id: Attr::none(symbol::ID),
            column: Attr::none(symbol::COLUMN),
            version: Attr::none(symbol::VERSION),
            created_at: Attr::none(symbol::CREATED_AT),
            updated_at: Attr::none(symbol::UPDATED_AT),
            deleted_at: Attr::none(symbol::DELETED_AT),
            skip: Attr::none(symbol::SKIP),
            shard_key: Attr::none(symbol::SHARD_KEY),
            references: Attr::none(symbol::REFERENCES),
            on_delete: Attr::none(symbol::ON_DELETE),
            unique: Attr::none(symbol::UNIQUE),
            index: Attr::none(symbol::INDEX),
            default: Attr::none(symbol::DEFAULT),
            max_length: Attr::none(symbol::MAX_LENGTH),
            precision: Attr::none(symbol::PRECISION),
            scale: Attr::none(symbol::SCALE),
        };
        each_key(cx, attrs, |meta, key| {
            let flag = match key.as_str() {
                symbol::VERSION => Some(&mut out.version),
                symbol::CREATED_AT => Some(&mut out.created_at),
                symbol::UPDATED_AT => Some(&mut out.updated_at),
                symbol::DELETED_AT => Some(&mut out.deleted_at),
                symbol::SKIP => Some(&mut out.skip),
                symbol::SHARD_KEY => Some(&mut out.shard_key),
                _ => None,
            };
            let index = match key.as_str() {
                symbol::UNIQUE => Some(&mut out.unique),
                symbol::INDEX => Some(&mut out.index),
                _ => None,
            };
            if let Some(flag) = index {
                if meta.input.peek(syn::token::Paren) {
                    let name = flag.name;
                    cx.syn_error(meta.error(format!(
                        "an index over several fields goes on the struct: put #[dal({name}(a, b))] above it; on a field write #[dal({name})]"
                    )));
                    skip_value(&meta)?;
                }
                flag.set(cx, meta.path.span(), ());
                return Ok(());
            }
            if let Some(flag) = flag {
                no_value(cx, &meta, flag.name)?;
                flag.set(cx, meta.path.span(), ());
                return Ok(());
            }
            match key.as_str() {
                symbol::ID => {
                    // A stray value is reported, but the field still counts as the id so no
                    // "needs an id" error follows from the same mistake.
                    no_value(cx, &meta, symbol::ID)?;
                    out.id.set(cx, meta.path.span(), ());
                }
                symbol::COLUMN => out.column.set(cx, meta.path.span(), string_value(&meta)?),
                symbol::REFERENCES => {
                    let fix = "`references` names the entity this field points at: write references = Customer";
                    let value = meta.value().map_err(|_| meta.error(fix))?;
                    let path =
                        value.parse::<syn::Path>().map_err(|e| syn::Error::new(e.span(), fix))?;
                    out.references.set(cx, meta.path.span(), path);
                }
                symbol::ON_DELETE => out.on_delete.set(cx, meta.path.span(), string_value(&meta)?),
                symbol::DEFAULT => out.default.set(cx, meta.path.span(), default_value(&meta)?),
                symbol::MAX_LENGTH => out.max_length.set(cx, meta.path.span(), int_value(&meta)?),
                symbol::PRECISION => out.precision.set(cx, meta.path.span(), int_value(&meta)?),
                symbol::SCALE => out.scale.set(cx, meta.path.span(), int_value(&meta)?),
                _ => unknown_key(cx, &meta, &key, FIELD_KEYS, CONTAINER_KEYS, "the struct")?,
            }
            Ok(())
        });
        out
    }
}

/// Parses `has_many(orders = Order::CUSTOMER, ...)`: each name with the child's relation.
fn inverses(
    meta: &ParseNestedMeta<'_>,
    key: &str,
    mut f: impl FnMut(syn::Ident, syn::Path),
) -> syn::Result<()> {
    let fix = format!(
        "`{key}` names each relation and the child's reference it follows: write {key}(orders = Order::CUSTOMER)"
    );
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(fix));
    }
    meta.parse_nested_meta(|inner| {
        let name = inner.path.get_ident().cloned().ok_or_else(|| inner.error(&fix))?;
        let value = inner.value().map_err(|_| inner.error(&fix))?;
        let path = value.parse::<syn::Path>().map_err(|e| syn::Error::new(e.span(), &fix))?;
        f(name, path);
        Ok(())
    })
}

/// Parses the field list of `index(a, b)` / `unique(a, b)` on the struct.
fn composite_fields(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Vec<syn::Ident>> {
    let fix = format!(
        "`{key}` on the struct names the fields it covers: write #[dal({key}(a, b))]; for one field, put #[dal({key})] on it"
    );
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(fix));
    }
    let mut fields = Vec::new();
    meta.parse_nested_meta(|inner| {
        let name = inner.path.get_ident().cloned().ok_or_else(|| inner.error(&fix))?;
        if inner.input.peek(syn::Token![=]) || inner.input.peek(syn::token::Paren) {
            return Err(inner.error(&fix));
        }
        fields.push(name);
        Ok(())
    })?;
    if fields.is_empty() {
        return Err(meta.error(fix));
    }
    Ok(fields)
}

/// Parses `default = lit`: a string, an integer or float (with an optional leading `-`),
/// `true`/`false`, or `now`.
fn default_value(meta: &ParseNestedMeta<'_>) -> syn::Result<DefaultLit> {
    let fix = "`default` takes a literal of the field's type: a string, a number, true or false, or now (the insert's time, for a DateTime<Utc>); write default = 0";
    let value = meta.value().map_err(|_| meta.error(fix))?;
    let expr = value.parse::<syn::Expr>().map_err(|e| syn::Error::new(e.span(), fix))?;
    let (negative, inner) = match &expr {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => (true, &*u.expr),
        other => (false, other),
    };
    let lit = match inner {
        syn::Expr::Lit(l) => Some(&l.lit),
        _ => None,
    };
    match (lit, inner, negative) {
        (Some(syn::Lit::Int(lit)), _, _) => Ok(DefaultLit::Int { lit: lit.clone(), negative }),
        (Some(syn::Lit::Float(lit)), _, _) => Ok(DefaultLit::Float { lit: lit.clone(), negative }),
        (Some(syn::Lit::Str(lit)), _, false) => Ok(DefaultLit::Str(lit.clone())),
        (Some(syn::Lit::Bool(lit)), _, false) => Ok(DefaultLit::Bool(lit.clone())),
        (None, syn::Expr::Path(p), false) if p.path.is_ident(symbol::NOW) => Ok(DefaultLit::Now),
        _ => Err(syn::Error::new_spanned(&expr, fix)),
    }
}

/// Calls `f` for every key of every `#[dal(...)]` in `attrs`, reporting parse errors.
pub(crate) fn each_key(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut f: impl FnMut(ParseNestedMeta<'_>, String) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(symbol::DAL)) {
        if let syn::Meta::Path(_) | syn::Meta::NameValue(_) = &attr.meta {
            cx.error_spanned_by(attr, "expected a list of settings: #[dal(...)]");
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            let key = path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_else(|| quote::quote!(#path).to_string().replace(' ', ""));
            f(meta, key)
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
}

pub(crate) fn string_value(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
    let value = meta
        .value()
        .map_err(|_| meta.error(format!("`{key}` takes a string: write {key} = \"...\"")))?;
    value.parse::<LitStr>().map_err(|e| {
        syn::Error::new(e.span(), format!("`{key}` takes a string: write {key} = \"...\""))
    })
}

fn int_value(meta: &ParseNestedMeta<'_>) -> syn::Result<LitInt> {
    let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
    let fix = format!("`{key}` takes a whole number: write {key} = 4");
    let value = meta.value().map_err(|_| meta.error(&fix))?;
    value.parse::<LitInt>().map_err(|e| syn::Error::new(e.span(), &fix))
}

/// Reports (and skips) a value given to a flag key.
pub(crate) fn no_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.syn_error(meta.error(format!("`{key}` takes no value: write #[dal({key})]")));
        skip_value(meta)?;
    }
    Ok(())
}

/// Consumes `= expr` or `(...)` after a key, so parsing can continue past a mistake.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// Reports an unknown key and skips its value so parsing can go on.
pub(crate) fn unknown_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    known: &[&str],
    other_level: &[&str],
    other_level_name: &str,
) -> syn::Result<()> {
    let message = if other_level.contains(&key) {
        format!("`{key}` belongs on {other_level_name}, not here")
    } else if let Some(near) = closest(key, known) {
        format!("unknown dal attribute `{key}`; did you mean `{near}`?")
    } else {
        let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        format!("unknown dal attribute `{key}`; expected one of {}", list.join(", "))
    };
    cx.syn_error(meta.error(message));
    skip_value(meta)
}
