//! The function `#[auto_transaction]` wraps, checked: async, returns `Result`, and either
//! has a dal handle parameter that is a reference (the handle form) or none (the service form,
//! where the transaction follows the task); a receiver that a rerun cannot reuse is refused
//! with `retry`.

use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

use super::attr::Options;
use crate::internals::ctxt::Ctxt;

pub(crate) struct TransactionFn<'a> {
    pub(crate) item: &'a ItemFn,
    /// The handle parameter's name (`db` of `db: &Database`), when the function has one.
    pub(crate) handle: Option<&'a syn::Ident>,
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
        receiver_survives_reruns(cx, sig, options);
        let handle = handle_param(cx, item, options).ok()?;
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

/// With `retry`, the body runs again, so it cannot move what it captures: a receiver taken by
/// value (`self`, `self: Arc<Self>`) or by unique reference (`&mut self`) would be used up by
/// the first run.
fn receiver_survives_reruns(cx: &Ctxt, sig: &syn::Signature, options: &Options) {
    let Some((_, retry)) = options.retries else { return };
    let Some(FnArg::Receiver(receiver)) = sig.inputs.first() else { return };
    let shared = match receiver.ty.as_ref() {
        Type::Reference(r) => r.mutability.is_none(),
        _ => false,
    };
    if !shared {
        let mut error = syn::Error::new_spanned(
            receiver,
            "`retry` reruns the body, and this receiver is used up by the first run: take `&self` (a service's handle is a field read through `&self`), or remove `retry`",
        );
        error.combine(syn::Error::new(retry, "`retry` is set here"));
        cx.syn_error(error);
    }
}

/// The parameter named by `handle = "…"`, else the one named `db`, if any; it must be a
/// reference. `Err` when one was named and is missing or is not a reference.
fn handle_param<'a>(
    cx: &Ctxt,
    item: &'a ItemFn,
    options: &Options,
) -> Result<Option<&'a syn::Ident>, ()> {
    let wanted = options.handle.as_ref().map_or("db", |(name, _)| name.as_str());
    let found = item.sig.inputs.iter().find_map(|arg| match arg {
        FnArg::Typed(pt) => match pt.pat.as_ref() {
            Pat::Ident(pi) if pi.ident == wanted => Some((&pi.ident, pt.ty.as_ref())),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    });
    let Some((ident, ty)) = found else {
        let Some((_, span)) = &options.handle else {
            // No handle in sight: the service form.
            return Ok(None);
        };
        let message = format!(
            "`handle` names the dal handle parameter, and this function has none named `{wanted}`: fix the name, or remove `handle` (without one, statements through any handle join the transaction of the task)"
        );
        cx.syn_error(syn::Error::new(*span, message));
        return Err(());
    };
    if !matches!(ty, Type::Reference(_)) {
        cx.error_spanned_by(
            ty,
            format!("the dal handle must be a reference: write `{ident}: &dal::Database`"),
        );
        return Err(());
    }
    Ok(Some(ident))
}
