//! A fieldless enum: checked into the value each variant is stored as, text (the default) or
//! its discriminant (`#[dal(repr = "i16")]`), and the SQL list of those values for the column's
//! `CHECK`.
//!
//! Text is the variant's name in snake_case (`PendingPayment` → `pending_payment`), the way
//! SQL values and dal's default table names are spelled, so ad-hoc SQL reads
//! `WHERE status = 'pending_payment'`; `rename_all` chooses another rule, `rename` one variant's
//! text. Integers are the explicit discriminants: required, so reordering the variants cannot
//! change what stored rows mean.

use syn::{DataEnum, DeriveInput, Expr, Fields, Lit, LitInt, LitStr, UnOp};

use super::attr::{ValueAttrs, VariantAttrs};
use crate::internals::case::RenameRule;
use crate::internals::ctxt::Ctxt;
use crate::internals::suggest::closest;
use crate::internals::symbol;

/// The checked model of a `Value` enum.
pub(crate) struct FieldlessEnum<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) krate: syn::Path,
    pub(crate) storage: Storage,
    /// Every variant with the value it is stored as, in declaration order.
    pub(crate) variants: Vec<(&'a syn::Ident, Stored)>,
}

/// How the column holds the enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Storage {
    /// Text, as `String` is stored.
    Text,
    /// The discriminant, as this integer type is stored.
    Integer(IntRepr),
}

/// The integer types `repr` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntRepr {
    I16,
    I32,
    I64,
}

impl IntRepr {
    const ALL: [(&'static str, IntRepr); 3] =
        [("i16", IntRepr::I16), ("i32", IntRepr::I32), ("i64", IntRepr::I64)];

    pub(crate) fn name(self) -> &'static str {
        match self {
            IntRepr::I16 => "i16",
            IntRepr::I32 => "i32",
            IntRepr::I64 => "i64",
        }
    }

    fn holds(self, n: i128) -> bool {
        match self {
            IntRepr::I16 => i16::try_from(n).is_ok(),
            IntRepr::I32 => i32::try_from(n).is_ok(),
            IntRepr::I64 => i64::try_from(n).is_ok(),
        }
    }
}

/// The value one variant is stored as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    Text(String),
    /// The discriminant, and the type it is stored as.
    Integer(i64, IntRepr),
}

impl FieldlessEnum<'_> {
    /// The SQL list for the column's `CHECK (… IN <list>)`: `('draft', 'paid')` or `(1, 2)`.
    pub(crate) fn allowed_values(&self) -> String {
        let values: Vec<String> = self
            .variants
            .iter()
            .map(|(_, stored)| match stored {
                // Checked to hold no backslash, so doubling quotes is the whole escape on
                // every backend.
                Stored::Text(text) => format!("'{}'", text.replace('\'', "''")),
                Stored::Integer(n, _) => n.to_string(),
            })
            .collect();
        format!("({})", values.join(", "))
    }
}

pub(crate) fn check<'a>(
    cx: &Ctxt,
    input: &'a DeriveInput,
    data: &'a DataEnum,
    attrs: &ValueAttrs,
) -> FieldlessEnum<'a> {
    if let Some(span) = attrs.id.span() {
        cx.syn_error(syn::Error::new(
            span,
            "an enum cannot be an entity id: ids are generated or assigned by the database; derive Value with #[dal(id)] on a newtype of Uuid or i64, and keep the enum as a column",
        ));
    }
    let storage = storage(cx, attrs);
    let rule = rename_rule(cx, attrs, storage);
    if data.variants.is_empty() {
        cx.error_spanned_by(
            &input.ident,
            "a Value enum needs at least one variant: a column of it could hold no value",
        );
    }
    let mut variants: Vec<(&syn::Ident, Stored)> = Vec::new();
    for v in &data.variants {
        let v_attrs = VariantAttrs::parse(cx, &v.attrs);
        if !matches!(v.fields, Fields::Unit) {
            cx.error_spanned_by(
                &v.fields,
                format!(
                    "a Value enum is stored as one value per variant, so its variants have no fields: make `{}` a unit variant, or store its data in columns of their own (or as Json)",
                    v.ident
                ),
            );
            continue;
        }
        let stored = match storage {
            Storage::Text => text(cx, v, &v_attrs, rule),
            Storage::Integer(repr) => {
                // The number to suggest for a missing discriminant: the one after the last.
                let next = match variants.last() {
                    Some((_, Stored::Integer(n, _))) => n.saturating_add(1),
                    _ => 0,
                };
                integer(cx, v, &v_attrs, repr, next)
            }
        };
        let Some(stored) = stored else { continue };
        if let Some((earlier, _)) = variants.iter().find(|(_, s)| *s == stored) {
            let at = v_attrs.rename.get().map_or_else(|| v.ident.span(), LitStr::span);
            let Stored::Text(text) = &stored else {
                // Equal discriminants: the compiler reports those (E0081).
                continue;
            };
            cx.syn_error(syn::Error::new(
                at,
                format!(
                    "`{}` is stored as `{text}`, as `{earlier}` is: give one of them another #[dal(rename = \"…\")]",
                    v.ident
                ),
            ));
            continue;
        }
        variants.push((&v.ident, stored));
    }
    FieldlessEnum { ident: &input.ident, krate: attrs.krate(), storage, variants }
}

/// `repr = "i16"` (integers) or text.
fn storage(cx: &Ctxt, attrs: &ValueAttrs) -> Storage {
    let Some(lit) = attrs.repr.get() else { return Storage::Text };
    let name = lit.value();
    match IntRepr::ALL.iter().find(|(n, _)| *n == name) {
        Some((_, repr)) => Storage::Integer(*repr),
        None => {
            cx.error_spanned_by(
                lit,
                "`repr` is the integer type the enum is stored as: write repr = \"i16\", \"i32\" or \"i64\" (or leave it out to store text)",
            );
            // Checked as integers anyway, so the variants' own mistakes still show.
            Storage::Integer(IntRepr::I64)
        }
    }
}

/// The `rename_all` rule (snake_case by default); reported when the enum stores integers.
fn rename_rule(cx: &Ctxt, attrs: &ValueAttrs, storage: Storage) -> RenameRule {
    let Some(lit) = attrs.rename_all.get() else { return RenameRule::Snake };
    if let (Storage::Integer(_), Some(span)) = (storage, attrs.rename_all.span()) {
        cx.syn_error(syn::Error::new(
            span,
            "`rename_all` chooses stored text, but this enum is stored as integers (`repr`), each variant as its discriminant: remove `rename_all`",
        ));
    }
    let name = lit.value();
    RenameRule::from_name(&name).unwrap_or_else(|| {
        let names: Vec<&str> = RenameRule::ALL.iter().map(|(n, _)| *n).collect();
        let hint = match closest(&name, &names) {
            Some(near) => format!("did you mean \"{near}\"?"),
            None => format!("expected one of \"{}\"", names.join("\", \"")),
        };
        cx.error_spanned_by(lit, format!("unknown `rename_all` rule \"{name}\"; {hint}"));
        RenameRule::Snake
    })
}

/// The text a variant of a text enum is stored as.
fn text(cx: &Ctxt, v: &syn::Variant, attrs: &VariantAttrs, rule: RenameRule) -> Option<Stored> {
    let Some(lit) = attrs.rename.get() else {
        return Some(Stored::Text(rule.apply(&v.ident.to_string())));
    };
    let text = lit.value();
    let problem = if text.is_empty() {
        Some("cannot be empty: name the value the column stores")
    } else if text.contains('\\') || text.chars().any(char::is_control) {
        Some(
            "cannot hold a backslash or a control character: MySQL reads a backslash in SQL text as an escape, so the column's CHECK would list another value",
        )
    } else {
        None
    };
    if let Some(problem) = problem {
        cx.error_spanned_by(lit, format!("the text a variant is stored as {problem}"));
        return None;
    }
    Some(Stored::Text(text))
}

/// The discriminant a variant of an integer enum is stored as.
fn integer(
    cx: &Ctxt,
    v: &syn::Variant,
    attrs: &VariantAttrs,
    repr: IntRepr,
    next: i64,
) -> Option<Stored> {
    if let Some(span) = attrs.rename.span() {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "`{}` names stored text, but this enum is stored as integers (`repr`), each variant as its discriminant: remove `{}`",
                symbol::RENAME,
                symbol::RENAME
            ),
        ));
    }
    let ident = &v.ident;
    let Some((_, expr)) = &v.discriminant else {
        cx.error_spanned_by(
            ident,
            format!(
                "an enum stored as integers stores each variant's discriminant: write `{ident} = {next}` (explicit, so reordering the variants cannot change what stored rows mean)"
            ),
        );
        return None;
    };
    let Some((negative, lit)) = int_literal(expr) else {
        cx.error_spanned_by(
            expr,
            "the discriminant of an enum stored as integers is an integer literal (`= 3`), the value its column stores",
        );
        return None;
    };
    let value = match lit.base10_parse::<u64>() {
        Ok(n) if negative => -i128::from(n),
        Ok(n) => i128::from(n),
        Err(e) => {
            cx.syn_error(e);
            return None;
        }
    };
    match i64::try_from(value) {
        Ok(n) if repr.holds(value) => Some(Stored::Integer(n, repr)),
        _ => {
            cx.error_spanned_by(
                expr,
                format!(
                    "{value} does not fit the `{}` the enum is stored as: choose a smaller discriminant, or a wider `repr` (\"i32\" or \"i64\")",
                    repr.name()
                ),
            );
            None
        }
    }
}

/// `3` or `-3`, seen through the invisible groups macro input can wrap it in.
fn int_literal(expr: &Expr) -> Option<(bool, &LitInt)> {
    match expr {
        Expr::Lit(syn::ExprLit { lit: Lit::Int(lit), .. }) => Some((false, lit)),
        Expr::Unary(syn::ExprUnary { op: UnOp::Neg(_), expr, .. }) => {
            int_literal(expr).and_then(|(negative, lit)| (!negative).then_some((true, lit)))
        }
        Expr::Group(g) => int_literal(&g.expr),
        Expr::Paren(p) => int_literal(&p.expr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(src: &str) -> Result<String, String> {
        let input: DeriveInput = syn::parse_str(src).expect("parses");
        let syn::Data::Enum(data) = &input.data else { panic!("an enum") };
        let cx = Ctxt::new();
        let attrs = ValueAttrs::parse(&cx, &input.attrs);
        let m = check(&cx, &input, data, &attrs);
        let list = m.allowed_values();
        cx.check().map_err(|e| e[0].to_string())?;
        Ok(list)
    }

    #[test]
    fn text_is_snake_case_unless_renamed() {
        let list =
            model("enum Status { Draft, PendingPayment, #[dal(rename = \"o'k\")] Ok, HTTPError }");
        assert_eq!(list.as_deref(), Ok("('draft', 'pending_payment', 'o''k', 'http_error')"));
        let list = model("#[dal(rename_all = \"SCREAMING_SNAKE_CASE\")] enum S { InStock }");
        assert_eq!(list.as_deref(), Ok("('IN_STOCK')"));
    }

    #[test]
    fn integers_are_the_discriminants() {
        let list = model("#[dal(repr = \"i16\")] enum P { Low = -1, Mid = 0, High = 32767 }");
        assert_eq!(list.as_deref(), Ok("(-1, 0, 32767)"));
        let e = model("#[dal(repr = \"i16\")] enum P { Low = 32768 }").expect_err("too big");
        assert!(e.starts_with("32768 does not fit the `i16`"), "{e}");
        let e = model("#[dal(repr = \"i64\")] enum P { Low }").expect_err("implicit");
        assert!(e.contains("write `Low = 0`"), "{e}");
        let e = model("#[dal(repr = \"i64\")] enum P { Low = 4, Mid }").expect_err("implicit");
        assert!(e.contains("write `Mid = 5`"), "{e}");
    }

    #[test]
    fn stored_text_is_checked() {
        let e = model("enum S { A, #[dal(rename = \"a\")] B }").expect_err("duplicate");
        assert!(e.starts_with("`B` is stored as `a`, as `A` is"), "{e}");
        let e = model(r#"enum S { #[dal(rename = "a\\b")] A }"#).expect_err("backslash");
        assert!(e.contains("backslash"), "{e}");
    }
}
