//! Wraps the function body: options become a `ScopeOptions` constant, the body a closure that
//! receives the transaction's handle and lends it under the parameter's own name, and the
//! runtime's `run_once_in_transaction` (or `run_in_transaction` with retries) does the rest.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ast::TransactionFn;
use super::attr::Options;

pub(crate) fn transaction_fn(f: &TransactionFn<'_>, o: &Options) -> TokenStream {
    let krate = o.krate.clone().unwrap_or_else(|| syn::parse_quote!(::dal));
    let p = quote!(#krate::__private);
    let item = f.item;
    let (attrs, vis, sig, block) = (&item.attrs, &item.vis, &item.sig, &item.block);
    let handle = f.handle;

    let mut tx = quote!(#p::TransactionOptions::const_default());
    if let Some(level) = o.isolation {
        let level = format_ident!("{}", level);
        tx = quote!(#tx.isolation(#p::IsolationLevel::#level));
    }
    if o.read_only {
        tx = quote!(#tx.read_only(true));
    }
    let mut options = quote!(#p::ScopeOptions::new().transaction(#tx));
    if o.savepoint {
        options = quote!(#options.savepoint(true));
    }
    if o.retries > 0 {
        let n = o.retries;
        options = quote!(#options.retries(#n));
    }
    if let Some(ms) = o.timeout_ms {
        options = quote!(#options.timeout(#p::Duration::from_millis(#ms)));
    }
    if !o.tags.is_empty() {
        let (keys, values): (Vec<_>, Vec<_>) = o.tags.iter().cloned().unzip();
        options = quote!(#options.tags(&[#((#keys, #values)),*]));
    }
    let runner = if o.retries > 0 {
        quote!(#p::run_in_transaction)
    } else {
        quote!(#p::run_once_in_transaction)
    };

    quote! {
        #(#attrs)*
        #vis #sig {
            const __DAL_TRANSACTION: #p::ScopeOptions = #options;
            // Boxed: nested transactional calls would otherwise nest their state machines
            // inline and grow every caller's future (and, in debug builds, the stack).
            #runner(#handle, __DAL_TRANSACTION, |__dal_handle: #p::Database| {
                #p::Box::pin(async move {
                    let #handle = &__dal_handle;
                    #block
                })
            })
            .await
        }
    }
}
