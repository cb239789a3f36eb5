//! The function `#[auto_transaction]` wraps, checked: async, returns `Result`, has a dal
//! handle parameter that is a reference.

use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

use super::attr::Options;
use crate::internals::ctxt::Ctxt;

pub(crate) struct TransactionFn<'a> {
    pub(crate) item: &'a ItemFn,
    /// The handle parameter's name (`db` of `db: &Database`).
    pub(crate) handle: &'a syn::Ident,
}

impl<'a> TransactionFn<'a> {
    pub(crate) fn check(cx: &Ctxt, item: &'a ItemFn, options: &Options) -> Option<Self> {
        let sig = &item.sig;
        if sig.asyncness.is_none() {
            cx.error_spanned_by(
                sig.fn_token,
                "#[auto_transaction] needs an `async fn`: a transaction spans awaits; add `async`",
            );
        }
        returns_result(cx, sig);
        let handle = handle_param(cx, item, options);
        let handle = handle?;
        sig.asyncness.is_some().then_some(TransactionFn { item, handle })
    }
}

/// The body's `Ok` commits and `Err` rolls back, so the function must return a `Result`.
fn returns_result(cx: &Ctxt, sig: &syn::Signature) {
    let output = &sig.output;
    let is_result = match output {
        ReturnType::Type(_, ty) => match ty.as_ref() {
            Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Result"),
            _ => false,
        },
        ReturnType::Default => false,
    };
    if !is_result {
        let message = "#[auto_transaction] needs a function returning `Result<T, E>` (with `E: From<dal::Error>`): `Ok` commits, `Err` rolls back";
        match output {
            ReturnType::Type(_, ty) => cx.error_spanned_by(ty, message),
            // No return type: point just after the parameters, where it belongs.
            ReturnType::Default => {
                cx.syn_error(syn::Error::new(sig.paren_token.span.close(), message))
            }
        }
    }
}

/// The parameter named by `handle = "…"`, else the one named `db`; it must be a reference.
fn handle_param<'a>(cx: &Ctxt, item: &'a ItemFn, options: &Options) -> Option<&'a syn::Ident> {
    let wanted = options.handle.as_ref().map_or("db", |(name, _)| name.as_str());
    let found = item.sig.inputs.iter().find_map(|arg| match arg {
        FnArg::Typed(pt) => match pt.pat.as_ref() {
            Pat::Ident(pi) if pi.ident == wanted => Some((&pi.ident, pt.ty.as_ref())),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    });
    let Some((ident, ty)) = found else {
        let message = format!(
            "#[auto_transaction] runs the body on the dal handle parameter, and this function has none named `{wanted}`: add `{wanted}: &dal::Database`, or name yours with #[auto_transaction(handle = \"conn\")]"
        );
        match &options.handle {
            Some((_, span)) => cx.syn_error(syn::Error::new(*span, message)),
            None => cx.error_spanned_by(&item.sig.ident, message),
        }
        return None;
    };
    if !matches!(ty, Type::Reference(_)) {
        cx.error_spanned_by(
            ty,
            format!("the dal handle must be a reference: write `{ident}: &dal::Database`"),
        );
        return None;
    }
    Some(ident)
}
