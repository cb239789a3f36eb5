//! `#[track_slow(threshold = "2s")]`: time every call of a function; a call slower than the
//! threshold is logged with the function's name and elapsed time and counted.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{ItemFn, LitStr};

use crate::internals::ctxt::Ctxt;
use crate::internals::duration::parse_millis;
use crate::internals::suggest::closest;
use crate::internals::symbol::{self, SLOW_KEYS};

/// Calls slower than this are reported when no threshold is given.
const DEFAULT_THRESHOLD_MS: u64 = 1000;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let mut threshold_ms = DEFAULT_THRESHOLD_MS;
    let mut krate: syn::Path = syn::parse_quote!(::dal);
    let parser = syn::meta::parser(|meta| {
        let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        match key.as_str() {
            symbol::THRESHOLD => {
                let lit: LitStr = meta.value()?.parse()?;
                match parse_millis(&lit.value()) {
                    Ok(ms) => threshold_ms = ms,
                    Err(e) => cx.error_spanned_by(&lit, e),
                }
            }
            symbol::CRATE => krate = meta.value()?.parse::<LitStr>()?.parse()?,
            _ => {
                let hint = closest(&key, SLOW_KEYS)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_else(|| "; write #[track_slow(threshold = \"2s\")]".to_owned());
                cx.syn_error(syn::Error::new(
                    meta.path.span(),
                    format!("unknown #[track_slow] option `{key}`{hint}"),
                ));
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            }
        }
        Ok(())
    });
    if let Err(e) = parser.parse2(args) {
        cx.syn_error(e);
    }
    let function = syn::parse2::<ItemFn>(item)
        .map_err(|e| cx.syn_error(syn::Error::new(e.span(), "#[track_slow] goes on a function")))
        .ok();
    cx.check()?;
    let Some(ItemFn { attrs, vis, sig, block }) = function else {
        return Err(vec![syn::Error::new(
            proc_macro2::Span::call_site(),
            "dal-macros bug: no function and no error",
        )]);
    };
    let name = &sig.ident;
    let stmts = &block.stmts;
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            let __dal_slow_call = #krate::__private::SlowCallGuard::new(
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#name)),
                #krate::__private::Duration::from_millis(#threshold_ms),
            );
            #(#stmts)*
        }
    })
}
