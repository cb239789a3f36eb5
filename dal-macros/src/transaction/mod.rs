//! `#[auto_transaction]`: parse the options ([`attr`]) and the function ([`ast`]), check them
//! ([`check`]), then wrap the body ([`expand`]).

mod ast;
mod attr;
mod check;
mod expand;

use proc_macro2::TokenStream;

use crate::internals::ctxt::Ctxt;

/// Expands `#[auto_transaction(args)]` on `item`, or returns every error found.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let options = attr::Options::parse(&cx, args);
    check::check(&cx, &options);
    let function = match syn::parse2::<syn::ItemFn>(item) {
        Ok(f) => Some(f),
        Err(e) => {
            cx.syn_error(syn::Error::new(
                e.span(),
                "#[auto_transaction] goes on an `async fn` (a free function or a method)",
            ));
            None
        }
    };
    let checked = function.as_ref().and_then(|f| ast::TransactionFn::check(&cx, f, &options));
    cx.check()?;
    match checked {
        Some(f) => Ok(expand::transaction_fn(&f, &options)),
        None => Err(vec![syn::Error::new(
            proc_macro2::Span::call_site(),
            "dal-macros bug: no function and no error",
        )]),
    }
}
