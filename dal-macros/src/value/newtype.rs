//! A newtype (`struct Email(String);`): a `Column` impl that stores the inner type as it is,
//! and, with `#[dal(id)]`, an `EntityId` impl so the newtype can be an entity's id.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DataStruct, DeriveInput, Fields};

use super::attr::ValueAttrs;
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol;

/// The checked model: the newtype, its one field's type and what to implement.
pub(crate) struct Newtype<'a> {
    ident: &'a syn::Ident,
    inner: &'a syn::Type,
    id: bool,
    krate: syn::Path,
}

/// Checks the struct is a newtype and takes no enum attribute.
pub(crate) fn check<'a>(
    cx: &Ctxt,
    input: &'a DeriveInput,
    data: &'a DataStruct,
    attrs: &ValueAttrs,
) -> Option<Newtype<'a>> {
    for (key, span) in
        [(symbol::RENAME_ALL, attrs.rename_all.span()), (symbol::REPR, attrs.repr.span())]
    {
        if let Some(span) = span {
            cx.syn_error(syn::Error::new(
                span,
                format!(
                    "`{key}` applies to enums: a newtype is stored as its field's type; remove it"
                ),
            ));
        }
    }
    let inner = match &data.fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => &f.unnamed[0].ty,
        other => {
            cx.error_spanned_by(
                other,
                "Value is derived on a newtype, a struct with one unnamed field: write `struct Email(String);`",
            );
            return None;
        }
    };
    Some(Newtype { ident: &input.ident, inner, id: attrs.id.get().is_some(), krate: attrs.krate() })
}

pub(crate) fn emit(m: &Newtype<'_>) -> TokenStream {
    let krate = &m.krate;
    let p = quote!(#krate::__private);
    let (ident, inner) = (m.ident, m.inner);
    // Spanned at the field: an inner type that is not a column (or not an id) fails there.
    let column = quote_spanned!(inner.span()=> <#inner as #p::Column>);
    let id = m.id.then(|| {
        let key = quote_spanned!(inner.span()=> <#inner as #p::EntityId>);
        quote! {
            #[automatically_derived]
            impl #p::EntityId for #ident {
                const DATABASE_ASSIGNED: bool = #key::DATABASE_ASSIGNED;
                const POSTGRES_KEY: &'static str = #key::POSTGRES_KEY;
                const MYSQL_KEY: &'static str = #key::MYSQL_KEY;
                const SQLITE_KEY: &'static str = #key::SQLITE_KEY;

                fn is_unset(&self) -> bool {
                    #key::is_unset(&self.0)
                }

                fn generate() -> #p::Option<Self> {
                    #key::generate().map(#ident)
                }

                fn from_assigned(id: i64) -> #p::Option<Self> {
                    #key::from_assigned(id).map(#ident)
                }
            }
        }
    });
    let column_impl = super::column_impl::emit(
        &p,
        ident,
        &column,
        &quote!(#column::ALLOWED_VALUES),
        &quote!(#column::encode(&self.0)),
        &quote!(#column::decode(row, index).map(#ident)),
    );
    quote! {
        #[doc(hidden)]
        const _: () = {
            #column_impl

            #id
        };
    }
}
