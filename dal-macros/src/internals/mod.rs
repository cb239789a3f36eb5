//! Helpers shared by every macro: the error context, attribute keywords, naming rules.

pub(crate) mod case;
pub(crate) mod ctxt;
pub(crate) mod duration;
pub(crate) mod suggest;
pub(crate) mod symbol;

use proc_macro2::TokenStream;

/// Turns collected errors into `compile_error!` invocations at their spans.
pub(crate) fn to_compile_errors(errors: Vec<syn::Error>) -> TokenStream {
    errors.into_iter().map(|e| e.to_compile_error()).collect()
}
