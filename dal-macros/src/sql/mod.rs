//! `sql!` and `sql_as!`: raw SQL with `?` placeholders, rewritten for every backend at compile
//! time (with the lexer the runtime uses), the argument count checked against the placeholders.
//!
//! What the lexer refuses on every backend (`?1`, native `$n` next to `?`, unterminated
//! literals) is a compile error at the literal, with the lexer's advice. What it refuses on
//! some backends only (`??`, a literal `?` on PostgreSQL) leaves that backend's text out; the
//! statement fails there at run time with the same reason.
//!
//! A proc macro has no `$crate`, so these are called through `macro_rules!` wrappers in `dal`
//! that pass it first: `sql!($crate; "SQL", args…)`. The generated code names the runtime only
//! through that path, so `dal` renamed in Cargo.toml (or used from inside `dal`) still works.

use dal_sql::{Dialect, PlaceholderError};
use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, LitStr, Token};

use crate::internals::ctxt::Ctxt;

/// `"SQL", arg, arg, …`
struct SqlInput {
    sql: LitStr,
    args: Vec<Expr>,
}

fn parse_sql_input(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Option<SqlInput>> {
    let mut exprs = Punctuated::<Expr, Token![,]>::parse_terminated(input)?.into_iter();
    let Some(first) = exprs.next() else {
        return Err(input.error("sql! needs the SQL text: sql!(\"SELECT … WHERE id = ?\", id)"));
    };
    match first {
        Expr::Lit(syn::ExprLit { lit: Lit::Str(sql), .. }) => {
            Ok(Some(SqlInput { sql, args: exprs.collect() }))
        }
        other => {
            cx.error_spanned_by(
                other,
                "sql! takes a string literal, so the SQL can be checked when the program compiles; for SQL built at run time use db.query(&text)",
            );
            Ok(None)
        }
    }
}

/// Splits `<path to dal> ; rest` at its first top-level `;` (one inside the user's arguments
/// sits in a group, and the user's part never starts the input).
fn split_crate(input: TokenStream) -> Result<(TokenStream, TokenStream), Vec<syn::Error>> {
    let mut tokens = input.into_iter();
    let mut krate = TokenStream::new();
    for token in tokens.by_ref() {
        match token {
            TokenTree::Punct(p) if p.as_char() == ';' && !krate.is_empty() => {
                return Ok((krate, tokens.collect()));
            }
            other => krate.extend([other]),
        }
    }
    Err(vec![syn::Error::new(
        proc_macro2::Span::call_site(),
        "dal_macros::sql! is called by dal::sql!, which passes the path to dal first; use dal::sql!",
    )])
}

/// Expands `sql!(<path to dal>; "SQL", args…)`.
pub(crate) fn expand(input: TokenStream) -> Result<TokenStream, Vec<syn::Error>> {
    let (krate, input) = split_crate(input)?;
    expand_with(&krate, input)
}

fn expand_with(krate: &TokenStream, input: TokenStream) -> Result<TokenStream, Vec<syn::Error>> {
    let cx = Ctxt::new();
    let parsed = (|s: ParseStream<'_>| parse_sql_input(&cx, s)).parse2(input);
    let out = match parsed {
        Ok(Some(input)) => query(&cx, krate, &input),
        Ok(None) => None,
        Err(e) => {
            cx.syn_error(e);
            None
        }
    };
    cx.check()?;
    out.ok_or_else(|| {
        vec![syn::Error::new(proc_macro2::Span::call_site(), "dal-macros bug: sql! without output")]
    })
}

/// `Type, "SQL", args…`
struct TypedInput {
    ty: syn::Type,
    rest: TokenStream,
}

impl Parse for TypedInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let ty = input.parse()?;
        input.parse::<Token![,]>()?;
        Ok(TypedInput { ty, rest: input.parse()? })
    }
}

/// Expands `sql_as!(<path to dal>; Type, …)`: `sql!(…)` whose rows come back as `Type`.
pub(crate) fn expand_typed(input: TokenStream) -> Result<TokenStream, Vec<syn::Error>> {
    let (krate, input) = split_crate(input)?;
    let typed: TypedInput = syn::parse2(input).map_err(|e| {
        vec![syn::Error::new(
            e.span(),
            "sql_as! takes the row type first: sql_as!(User, \"SELECT …\", args…)",
        )]
    })?;
    let query = expand_with(&krate, typed.rest)?;
    let ty = typed.ty;
    Ok(quote!(#query.typed::<#ty>()))
}

fn query(cx: &Ctxt, krate: &TokenStream, input: &SqlInput) -> Option<TokenStream> {
    let source = input.sql.value();
    if source.trim().is_empty() {
        cx.error_spanned_by(&input.sql, "sql! got empty SQL: there is no statement to run");
        return None;
    }
    let rewritten = Dialect::ALL.map(|d| d.rewrite_placeholders(&source));
    let (params, numbered) = match rewritten.iter().find_map(|r| r.as_ref().ok()) {
        Some(ok) => (ok.params, ok.numbered.clone()),
        None => {
            let message = match &rewritten[0] {
                Err(e @ PlaceholderError::Unterminated { .. }) => {
                    format!("cannot read this SQL: {e}")
                }
                Err(e) => e.to_string(),
                Ok(_) => String::new(),
            };
            cx.error_spanned_by(&input.sql, message);
            return None;
        }
    };
    if params != input.args.len() {
        // A `$n` explains the mismatch: dal binds arguments to `?` only.
        let hint = numbered
            .map(|n| {
                format!(": dal binds arguments to `?` only, so write `?` where the SQL has `{n}`")
            })
            .unwrap_or_default();
        cx.error_spanned_by(
            &input.sql,
            format!(
                "this SQL has {params} `?` placeholder{} but {} argument{} given{hint}",
                if params == 1 { "" } else { "s" },
                input.args.len(),
                if input.args.len() == 1 { " is" } else { "s are" },
            ),
        );
        return None;
    }
    let text = rewritten.map(|r| match r {
        Ok(r) => {
            let sql = r.sql;
            quote!(::core::option::Option::Some(#sql))
        }
        Err(_) => quote!(::core::option::Option::None),
    });
    let [postgres, mysql, sqlite] = text;
    let args = &input.args;
    Some(quote! {{
        const __DAL_SQL: #krate::__private::DialectSql = #krate::__private::DialectSql {
            source: #source,
            postgres: #postgres,
            mysql: #mysql,
            sqlite: #sqlite,
        };
        #krate::__private::SqlQuery::new(
            &__DAL_SQL,
            #krate::__private::vec![#(#krate::__private::IntoValue::into_value(#args)),*],
        )
    }})
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn generated_code_names_dal_only_through_the_given_path() {
        let out =
            super::expand(quote!(renamed::inner; "SELECT ?", 1)).expect("expands").to_string();
        assert!(out.contains("renamed :: inner :: __private :: SqlQuery"), "{out}");
        assert!(!out.contains(":: dal ::"), "{out}");
        let typed = super::expand_typed(quote!(renamed; (i64,), "SELECT 1")).expect("expands");
        assert!(typed.to_string().contains("renamed :: __private :: DialectSql"), "{typed}");
    }

    #[test]
    fn a_call_without_the_path_says_to_use_dal_sql() {
        let errors = super::expand(quote!("SELECT 1")).expect_err("no path");
        assert!(errors[0].to_string().contains("use dal::sql!"), "{}", errors[0]);
    }
}
