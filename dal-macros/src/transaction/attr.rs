//! Options of `#[auto_transaction(...)]`.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{LitInt, LitStr};

use crate::internals::ctxt::Ctxt;
use crate::internals::duration::parse_millis;
use crate::internals::suggest::closest;
use crate::internals::symbol::{self, TRANSACTION_KEYS};

/// The isolation levels, as written in the attribute and as named in the runtime.
const ISOLATION_LEVELS: &[(&str, &str)] = &[
    ("read_uncommitted", "ReadUncommitted"),
    ("read_committed", "ReadCommitted"),
    ("repeatable_read", "RepeatableRead"),
    ("serializable", "Serializable"),
];

const TAG_SHAPE: &str =
    "each tag is a key with a string value, e.g. #[auto_transaction(tags(route = \"/orders\"))]";

/// A propagation key as written: its name and the runtime's variant.
pub(crate) struct PropagationKey {
    pub(crate) name: &'static str,
    pub(crate) variant: &'static str,
}

/// An option that was set, and where (for the checks that relate options).
pub(crate) type Given<T> = Option<(T, Span)>;

#[derive(Default)]
pub(crate) struct Options {
    /// The runtime variant name of `IsolationLevel`.
    pub(crate) isolation: Given<&'static str>,
    pub(crate) read_only: Option<Span>,
    /// `join`, `savepoint`, `requires_new`, `mandatory` or `never`; `None` means `join`.
    pub(crate) propagation: Option<PropagationKey>,
    pub(crate) retries: Given<u32>,
    pub(crate) timeout_ms: Given<u64>,
    /// `tags(key = "value", ...)`: added to every statement of the body.
    pub(crate) tags: Vec<(String, String)>,
    /// The name of the handle parameter, and where it was given.
    pub(crate) handle: Option<(String, Span)>,
    pub(crate) krate: Option<syn::Path>,
}

impl Options {
    pub(crate) fn parse(cx: &Ctxt, args: TokenStream) -> Self {
        let mut o = Options::default();
        let parser = syn::meta::parser(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            if let Some((name, variant)) = symbol::PROPAGATIONS.iter().find(|(k, _)| *k == key) {
                let given = PropagationKey { name, variant };
                match &o.propagation {
                    Some(first) => cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "`{name}` conflicts with `{}`: a call joins its caller's transaction, opens a savepoint in it, runs in a new one, requires one or refuses one; keep one of them",
                            first.name
                        ),
                    ),
                    None => o.propagation = Some(given),
                }
                return Ok(());
            }
            match key.as_str() {
                symbol::ISOLATION => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match ISOLATION_LEVELS.iter().find(|(name, _)| *name == lit.value()) {
                        Some((_, variant)) => o.isolation = Some((variant, lit.span())),
                        None => cx.error_spanned_by(
                            &lit,
                            "unknown isolation level: use \"read_uncommitted\", \"read_committed\", \"repeatable_read\" or \"serializable\"",
                        ),
                    }
                }
                symbol::READ_ONLY => o.read_only = Some(meta.path.span()),
                symbol::RETRY => {
                    let lit: LitInt = meta.value()?.parse()?;
                    match lit.base10_parse::<u32>() {
                        Ok(n) => o.retries = Some((n, meta.path.span())),
                        Err(_) => cx.error_spanned_by(
                            &lit,
                            "`retry` takes a whole number of retries, e.g. retry = 3",
                        ),
                    }
                }
                symbol::TIMEOUT => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match parse_millis(&lit.value()) {
                        Ok(ms) => o.timeout_ms = Some((ms, meta.path.span())),
                        Err(e) => cx.error_spanned_by(&lit, e),
                    }
                }
                symbol::TAGS => {
                    meta.parse_nested_meta(|tag| {
                        let Some(key) = tag.path.get_ident().map(|i| i.to_string()) else {
                            cx.error_spanned_by(&tag.path, TAG_SHAPE);
                            return Ok(());
                        };
                        if !tag.input.peek(syn::Token![=]) {
                            cx.error_spanned_by(&tag.path, TAG_SHAPE);
                            return Ok(());
                        }
                        let value: LitStr = tag.value()?.parse()?;
                        o.tags.push((key, value.value()));
                        Ok(())
                    })?;
                }
                symbol::HANDLE => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if syn::parse_str::<syn::Ident>(&lit.value()).is_ok() {
                        o.handle = Some((lit.value(), lit.span()));
                    } else {
                        cx.error_spanned_by(
                            &lit,
                            "`handle` names a parameter of the function; a handle elsewhere (a field such as `self.db`) needs no option: every statement through a handle of the same pool joins the transaction of the task, so remove `handle`",
                        );
                    }
                }
                symbol::CRATE => {
                    let lit: LitStr = meta.value()?.parse()?;
                    o.krate = Some(lit.parse()?);
                }
                _ => unknown(cx, &meta, &key)?,
            }
            Ok(())
        });
        if let Err(e) = parser.parse2(args) {
            cx.syn_error(e);
        }
        o
    }

    /// The number of extra runs asked for (0 without `retry`).
    pub(crate) fn retries(&self) -> u32 {
        self.retries.map_or(0, |(n, _)| n)
    }
}

fn unknown(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<()> {
    let message = match closest(key, TRANSACTION_KEYS) {
        Some(near) => format!("unknown #[auto_transaction] option `{key}`; did you mean `{near}`?"),
        None => format!(
            "unknown #[auto_transaction] option `{key}`; expected one of {}",
            TRANSACTION_KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ),
    };
    cx.syn_error(syn::Error::new(meta.path.span(), message));
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    }
    Ok(())
}
