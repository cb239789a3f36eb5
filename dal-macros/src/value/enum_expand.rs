//! Emits the `Column` impl of a checked fieldless enum: the column type of `String` (or of the
//! `repr` integer), the list of allowed values for the `CHECK`, and a `match` each way.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::enums::{FieldlessEnum, Storage, Stored};

pub(crate) fn emit(m: &FieldlessEnum<'_>) -> TokenStream {
    let krate = &m.krate;
    let p = quote!(#krate::__private);
    let ident = m.ident;
    let stored_as = match m.storage {
        Storage::Text => quote!(#p::String),
        Storage::Integer(repr) => {
            let ty = format_ident!("{}", repr.name());
            quote!(#ty)
        }
    };
    let column = quote!(<#stored_as as #p::Column>);
    let allowed = m.allowed_values();
    let variants: Vec<&syn::Ident> = m.variants.iter().map(|(v, _)| *v).collect();
    let literals: Vec<TokenStream> = m
        .variants
        .iter()
        .map(|(_, stored)| match stored {
            Stored::Text(text) => quote!(#text),
            // Suffixed (`-3i16`), so the same tokens are the encoded value and the pattern.
            Stored::Integer(n, repr) => {
                let digits = format!("{}{}", n.unsigned_abs(), repr.name());
                let lit = syn::LitInt::new(&digits, proc_macro2::Span::call_site());
                if *n < 0 { quote!(-#lit) } else { quote!(#lit) }
            }
        })
        .collect();
    let (encode, decode) = match m.storage {
        Storage::Text => (
            quote! {
                #p::Value::Text(#p::Cow::Borrowed(match self {
                    #(Self::#variants => #literals,)*
                }))
            },
            quote! {
                row.with_text(index, |text| match text {
                    #(#literals => #p::Ok(Self::#variants),)*
                    other => #p::Err(row.invalid_value::<Self>(index, other)),
                })
            },
        ),
        Storage::Integer(_) => (
            quote! {
                #p::IntoValue::into_value(match self {
                    #(Self::#variants => #literals,)*
                })
            },
            quote! {
                match #column::decode(row, index)? {
                    #(#literals => #p::Ok(Self::#variants),)*
                    other => #p::Err(row.invalid_value::<Self>(index, other)),
                }
            },
        ),
    };
    let column_impl =
        super::column_impl::emit(&p, ident, &column, &quote!(#allowed), &encode, &decode);
    quote! {
        #[doc(hidden)]
        const _: () = {
            #column_impl
        };
    }
}
