//! Wraps the function body: options become a `ScopeOptions` constant, the body a closure, and
//! the runtime's `run_once_in_transaction` (or `run_in_transaction` with retries) runs it in a
//! transaction scope. A function with a handle parameter hands it to the scope and gets it back
//! under the same name, pinned to the transaction; one without (a service method) hands none:
//! its statements join the scope through whatever handle they use.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ast::TransactionFn;
use super::attr::Options;

pub(crate) fn transaction_fn(f: &TransactionFn<'_>, o: &Options) -> TokenStream {
    let krate = o.krate.clone().unwrap_or_else(|| syn::parse_quote!(::dal));
    let p = quote!(#krate::__private);
    let item = f.item;
    let (attrs, vis, sig, block) = (&item.attrs, &item.vis, &item.sig, &item.block);

    let mut tx = quote!(#p::TransactionOptions::const_default());
    if let Some((level, _)) = o.isolation {
        let level = format_ident!("{}", level);
        tx = quote!(#tx.isolation(#p::IsolationLevel::#level));
    }
    if o.read_only.is_some() {
        tx = quote!(#tx.read_only(true));
    }
    let mut options = quote!(#p::ScopeOptions::new().transaction(#tx));
    if let Some(key) = &o.propagation {
        let variant = format_ident!("{}", key.variant);
        options = quote!(#options.propagation(#p::Propagation::#variant));
    }
    let retries = o.retries();
    if retries > 0 {
        options = quote!(#options.retries(#retries));
    }
    if let Some((ms, _)) = o.timeout_ms {
        options = quote!(#options.timeout(#p::Duration::from_millis(#ms)));
    }
    if !o.tags.is_empty() {
        let (keys, values): (Vec<_>, Vec<_>) = o.tags.iter().cloned().unzip();
        options = quote!(#options.tags(&[#((#keys, #values)),*]));
    }
    let runner = if retries > 0 {
        quote!(#p::run_in_transaction)
    } else {
        quote!(#p::run_once_in_transaction)
    };

    let (given, body) = match f.handle {
        Some(handle) => (
            quote!(#p::Option::Some(#handle)),
            quote! {
                let #handle = #p::body_handle(&__dal_handle, #handle);
                #block
            },
        ),
        None => (
            quote!(#p::Option::None),
            quote! {
                let _ = __dal_handle;
                #block
            },
        ),
    };

    quote! {
        #(#attrs)*
        #vis #sig {
            const __DAL_TRANSACTION: #p::ScopeOptions = #options;
            // Boxed: nested transactional calls would otherwise nest their state machines
            // inline and grow every caller's future (and, in debug builds, the stack).
            #runner(#given, __DAL_TRANSACTION, move |__dal_handle: #p::Option<#p::Database>| {
                #p::Box::pin(async move { #body })
            })
            .await
        }
    }
}
