//! Rules between `#[auto_transaction]` options, one function each, run after parsing and
//! before anything is generated. (Two propagation keys at once are refused while parsing.)

use proc_macro2::Span;

use super::attr::Options;
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol;

pub(crate) fn check(cx: &Ctxt, o: &Options) {
    never_has_no_transaction_to_shape(cx, o);
    mandatory_cannot_change_the_callers_transaction(cx, o);
}

/// The options that shape a transaction the call begins: isolation, access mode, reruns.
fn transaction_shaping(o: &Options) -> Vec<(&'static str, Span)> {
    let mut set = Vec::new();
    if let Some((_, span)) = o.isolation {
        set.push((symbol::ISOLATION, span));
    }
    if let Some(span) = o.read_only {
        set.push((symbol::READ_ONLY, span));
    }
    if let Some((_, span)) = o.retries {
        set.push((symbol::RETRY, span));
    }
    set
}

/// `never` runs the body outside any transaction: isolation, read-only and retry would shape
/// a transaction that never exists.
fn never_has_no_transaction_to_shape(cx: &Ctxt, o: &Options) {
    if o.propagation.as_ref().is_none_or(|p| p.name != symbol::NEVER) {
        return;
    }
    for (key, span) in transaction_shaping(o) {
        cx.syn_error(syn::Error::new(
            span,
            format!("`{key}` has no effect with `never`, which runs the body outside any transaction: remove `{key}`, or `never`"),
        ));
    }
}

/// `mandatory` always joins the caller's transaction, already begun: it cannot choose its
/// isolation or access mode, nor rerun it alone.
fn mandatory_cannot_change_the_callers_transaction(cx: &Ctxt, o: &Options) {
    if o.propagation.as_ref().is_none_or(|p| p.name != symbol::MANDATORY) {
        return;
    }
    for (key, span) in transaction_shaping(o) {
        cx.syn_error(syn::Error::new(
            span,
            format!("`{key}` cannot apply with `mandatory`, which always joins the caller's transaction as it is: set `{key}` on the function that begins it, or use `requires_new` for a transaction of this call's own"),
        ));
    }
}
