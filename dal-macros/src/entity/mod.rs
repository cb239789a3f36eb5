//! `#[derive(Entity)]`: parse ([`ast`], [`attr`]) → validate ([`check`], [`relations`],
//! [`constraints`]) → generate SQL
//! ([`sql`], pure) → emit code ([`expand`]).

mod ast;
// The attribute helpers are shared with `#[derive(Value)]`.
pub(crate) mod attr;
mod check;
mod constraints;
mod expand;
mod model;
mod precision;
mod relations;
mod sql;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::internals::ctxt::Ctxt;

/// Expands the derive, or returns every error found.
pub(crate) fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let model = ast::Container::from_ast(&cx, input).and_then(|c| check::validate(&cx, c));
    cx.check()?;
    match model {
        Some(model) => Ok(expand::entity(&model)),
        None => Err(vec![syn::Error::new_spanned(input, "dal-macros bug: no model and no error")]),
    }
}
