//! The parsed model of a `#[derive(Entity)]` input: the struct, its fields and their
//! attributes. The original syntax is kept for spans only.

use syn::{Data, DeriveInput, Fields};

use super::attr::{ContainerAttrs, FieldAttrs};
use crate::internals::ctxt::Ctxt;

pub(crate) struct Container<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) attrs: ContainerAttrs,
    pub(crate) fields: Vec<Field<'a>>,
    pub(crate) original: &'a DeriveInput,
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
    pub(crate) attrs: FieldAttrs,
}

impl<'a> Container<'a> {
    /// Parses the input; `None` (with an error reported) when it is not a struct with named
    /// fields.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = ContainerAttrs::parse(cx, &input.attrs);
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => named,
                other => {
                    cx.error_spanned_by(
                        other,
                        "an entity needs named fields: write `struct Name { field: Type, ... }`",
                    );
                    return None;
                }
            },
            Data::Enum(e) => {
                cx.error_spanned_by(e.enum_token, "an entity must be a struct, not an enum");
                return None;
            }
            Data::Union(u) => {
                cx.error_spanned_by(u.union_token, "an entity must be a struct, not a union");
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                Some(Field {
                    ident: f.ident.as_ref()?,
                    ty: &f.ty,
                    attrs: FieldAttrs::parse(cx, &f.attrs),
                })
            })
            .collect();
        Some(Container { ident: &input.ident, attrs, fields, original: input })
    }
}
