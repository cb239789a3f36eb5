//! Parsing `#[dal(...)]` on a `Value` type and on an enum's variants into typed attributes,
//! with the entity derive's helpers: every key checked, duplicates and typos reported at their
//! span, parsing continued so all mistakes show at once.

use syn::spanned::Spanned;
use syn::{Attribute, LitStr};

use crate::entity::attr::{Attr, each_key, no_value, string_value, unknown_key};
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::{self, VALUE_KEYS, VARIANT_KEYS};

/// `#[dal(...)]` on the newtype or enum.
pub(crate) struct ValueAttrs {
    /// `id`: the newtype is also an entity id.
    pub(crate) id: Attr<()>,
    pub(crate) krate: Attr<syn::Path>,
    /// `rename_all = "kebab-case"`: how an enum's variant names become stored text.
    pub(crate) rename_all: Attr<LitStr>,
    /// `repr = "i16"`: the enum is stored as that integer type, each variant as its
    /// discriminant.
    pub(crate) repr: Attr<LitStr>,
}

/// `#[dal(...)]` on an enum's variant.
pub(crate) struct VariantAttrs {
    /// `rename = "…"`: the text this variant is stored as.
    pub(crate) rename: Attr<LitStr>,
}

impl ValueAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = ValueAttrs {
            id: Attr::none(symbol::ID),
            krate: Attr::none(symbol::CRATE),
            rename_all: Attr::none(symbol::RENAME_ALL),
            repr: Attr::none(symbol::REPR),
        };
        each_key(cx, attrs, |meta, key| {
            match key.as_str() {
                symbol::ID => {
                    no_value(cx, &meta, symbol::ID)?;
                    out.id.set(cx, meta.path.span(), ());
                }
                symbol::CRATE => {
                    let lit = string_value(&meta)?;
                    out.krate.set(cx, meta.path.span(), lit.parse::<syn::Path>()?);
                }
                symbol::RENAME_ALL => {
                    out.rename_all.set(cx, meta.path.span(), string_value(&meta)?);
                }
                symbol::REPR => out.repr.set(cx, meta.path.span(), string_value(&meta)?),
                _ => unknown_key(cx, &meta, &key, VALUE_KEYS, VARIANT_KEYS, "a variant")?,
            }
            Ok(())
        });
        out
    }

    /// The path of the `dal` crate: `crate = "…"`, or `::dal`.
    pub(crate) fn krate(&self) -> syn::Path {
        self.krate.get().cloned().unwrap_or_else(|| syn::parse_quote!(::dal))
    }
}

impl VariantAttrs {
    pub(crate) fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut out = VariantAttrs { rename: Attr::none(symbol::RENAME) };
        each_key(cx, attrs, |meta, key| {
            match key.as_str() {
                symbol::RENAME => out.rename.set(cx, meta.path.span(), string_value(&meta)?),
                _ => unknown_key(cx, &meta, &key, VARIANT_KEYS, VALUE_KEYS, "the enum")?,
            }
            Ok(())
        });
        out
    }
}
