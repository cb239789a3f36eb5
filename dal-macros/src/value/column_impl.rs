//! The `Column` impl both derives emit: every SQL constant taken from the type the value is
//! stored as, so a constant added to `Column` is forwarded in one place.

use proc_macro2::TokenStream;
use quote::quote;

/// `impl Column for #ident`, stored as `column` (`<Inner as Column>`): its types and
/// nullability forwarded, `allowed` as the `CHECK` list, `encode` and `decode` as the bodies
/// (`self`, `row` and `index` in scope).
pub(super) fn emit(
    p: &TokenStream,
    ident: &syn::Ident,
    column: &TokenStream,
    allowed: &TokenStream,
    encode: &TokenStream,
    decode: &TokenStream,
) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl #p::Column for #ident {
            const KIND: #p::Kind = #column::KIND;
            const POSTGRES: &'static str = #column::POSTGRES;
            const MYSQL: &'static str = #column::MYSQL;
            const MYSQL_INDEXED: &'static str = #column::MYSQL_INDEXED;
            const SQLITE: &'static str = #column::SQLITE;
            const NULLABILITY: &'static str = #column::NULLABILITY;
            const ALLOWED_VALUES: &'static str = #allowed;

            fn encode(&self) -> #p::Value<'_> {
                #encode
            }

            fn decode(row: &#p::Row, index: usize) -> #p::Result<Self> {
                #decode
            }
        }
    }
}
