//! `#[derive(Value)]`: parse the attributes ([`attr`]), check the type into its model — a
//! newtype ([`newtype`]) or a fieldless enum ([`enums`]) — then emit its `Column` impl
//! ([`newtype::emit`], [`enum_expand`]).

mod attr;
mod column_impl;
mod enum_expand;
mod enums;
mod newtype;

use proc_macro2::TokenStream;
use syn::{Data, DeriveInput};

use self::attr::ValueAttrs;
use crate::internals::ctxt::Ctxt;

/// The checked model.
enum Model<'a> {
    Newtype(newtype::Newtype<'a>),
    Enum(enums::FieldlessEnum<'a>),
}

/// Expands the derive, or returns every error found.
pub(crate) fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let model = check(&cx, input);
    cx.check()?;
    match model {
        Some(Model::Newtype(m)) => Ok(newtype::emit(&m)),
        Some(Model::Enum(m)) => Ok(enum_expand::emit(&m)),
        None => Err(vec![syn::Error::new_spanned(input, "dal-macros bug: no model and no error")]),
    }
}

fn check<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<Model<'a>> {
    let attrs = ValueAttrs::parse(cx, &input.attrs);
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "a Value cannot have generic parameters: its column type is a constant; derive Value on a concrete newtype or enum",
        );
        return None;
    }
    match &input.data {
        Data::Struct(data) => newtype::check(cx, input, data, &attrs).map(Model::Newtype),
        Data::Enum(data) => Some(Model::Enum(enums::check(cx, input, data, &attrs))),
        Data::Union(u) => {
            cx.error_spanned_by(
                u.union_token,
                "Value is derived on a newtype struct or a fieldless enum, not a union",
            );
            None
        }
    }
}
