//! `#[derive(Value)]` on a newtype (`struct Email(String);`): parse → check → emit a `Column`
//! impl that stores the inner type as it is, and, with `#[dal(id)]`, an `EntityId` impl so the
//! newtype can be an entity's id.
//!
//! Fieldless enums (text with a CHECK, or integers) are not derived yet; the derive says so.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::internals::ctxt::Ctxt;
use crate::internals::suggest::closest;
use crate::internals::symbol;

/// The checked model: the newtype, its one field's type and what to implement.
struct Newtype<'a> {
    ident: &'a syn::Ident,
    inner: &'a syn::Type,
    id: bool,
    krate: syn::Path,
}

/// Expands the derive, or returns every error found.
pub(crate) fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let model = parse(&cx, input);
    cx.check()?;
    match model {
        Some(model) => Ok(emit(&model)),
        None => Err(vec![syn::Error::new_spanned(input, "dal-macros bug: no model and no error")]),
    }
}

fn parse<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<Newtype<'a>> {
    let (mut id, mut krate) = (None::<proc_macro2::Span>, None::<syn::Path>);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident(symbol::DAL)) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            match key.as_str() {
                symbol::ID if meta.input.is_empty() || meta.input.peek(syn::Token![,]) => {
                    if id.replace(meta.path.span()).is_some() {
                        cx.syn_error(meta.error("duplicate dal attribute `id`: give it once"));
                    }
                }
                symbol::CRATE => {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    krate = Some(lit.parse()?);
                }
                _ => {
                    let known = [symbol::ID, symbol::CRATE];
                    let hint = match closest(&key, &known) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "expected `id` or `crate`".to_owned(),
                    };
                    cx.syn_error(
                        meta.error(format!("unknown dal attribute `{key}` for a Value; {hint}")),
                    );
                    if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<syn::Expr>()?;
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "a Value cannot have generic parameters: its column type is a constant; derive Value on a concrete newtype",
        );
        return None;
    }
    let inner = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Unnamed(f) if f.unnamed.len() == 1 => &f.unnamed[0].ty,
            other => {
                cx.error_spanned_by(
                    other,
                    "Value is derived on a newtype, a struct with one unnamed field: write `struct Email(String);`",
                );
                return None;
            }
        },
        Data::Enum(e) => {
            cx.error_spanned_by(
                e.enum_token,
                "Value is not derived on enums yet: wrap the stored value in a newtype (`struct Status(String);`), or implement `dal::types::Column` for the enum",
            );
            return None;
        }
        Data::Union(u) => {
            cx.error_spanned_by(u.union_token, "Value is derived on a newtype struct, not a union");
            return None;
        }
    };
    Some(Newtype {
        ident: &input.ident,
        inner,
        id: id.is_some(),
        krate: krate.unwrap_or_else(|| syn::parse_quote!(::dal)),
    })
}

fn emit(m: &Newtype<'_>) -> TokenStream {
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
    quote! {
        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            impl #p::Column for #ident {
                const KIND: #p::Kind = #column::KIND;
                const POSTGRES: &'static str = #column::POSTGRES;
                const MYSQL: &'static str = #column::MYSQL;
                const MYSQL_INDEXED: &'static str = #column::MYSQL_INDEXED;
                const SQLITE: &'static str = #column::SQLITE;
                const NULLABILITY: &'static str = #column::NULLABILITY;

                fn encode(&self) -> #p::Value<'_> {
                    #column::encode(&self.0)
                }

                fn decode(row: &#p::Row, index: usize) -> #p::Result<Self> {
                    #column::decode(row, index).map(#ident)
                }
            }

            #id
        };
    }
}
