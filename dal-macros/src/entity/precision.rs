//! `#[dal(precision = p, scale = s)]` on a field: the size of a decimal column. The numbers are
//! checked here; that the field's type is a decimal is left to a trait bound in the generated
//! code (`DecimalColumn`), spanned at `precision`, since only the compiler knows the type.

use dal_sql::decimal::MAX_PRECISION;

use super::ast::{Container, Field};
use super::model::{Column, Precision};
use crate::internals::ctxt::Ctxt;

/// The size of each column (by position in `columns`), `None` where none is given; `None`
/// overall when a rule failed (each failure reported).
pub(crate) fn precisions<'a>(
    cx: &Ctxt,
    c: &Container<'a>,
    columns: &[Column<'a>],
) -> Option<Vec<Option<Precision>>> {
    let mut ok = true;
    for f in &c.fields {
        let Some(span) = f.attrs.precision.span().or(f.attrs.scale.span()) else {
            continue;
        };
        let why = if f.attrs.skip.get().is_some() {
            "a skipped field has no column to size: remove `precision` and `scale`, or `skip`"
        } else if f.attrs.id.get().is_some() {
            "the id's column type comes from its type: remove `precision` and `scale` from the id"
        } else {
            continue;
        };
        cx.syn_error(syn::Error::new(span, why));
        ok = false;
    }
    let sizes = columns
        .iter()
        .map(|col| match c.fields.iter().find(|f| f.ident == col.field) {
            Some(f) if f.attrs.id.get().is_none() => size(cx, f, &mut ok),
            _ => None,
        })
        .collect();
    ok.then_some(sizes)
}

/// The checked size of one field's column.
fn size(cx: &Ctxt, f: &Field<'_>, ok: &mut bool) -> Option<Precision> {
    let mut fail = |span, message: String| {
        cx.syn_error(syn::Error::new(span, message));
        *ok = false;
        None
    };
    let Some(lit) = f.attrs.precision.get() else {
        let span = f.attrs.scale.span()?;
        return fail(
            span,
            "`scale` needs a `precision`: write #[dal(precision = 19, scale = 4)]".to_owned(),
        );
    };
    let digits = match lit.base10_parse::<u32>() {
        Ok(n) if (1..=MAX_PRECISION).contains(&n) => n,
        _ => {
            return fail(
                lit.span(),
                format!(
                    "precision {lit} is out of range: a decimal column has 1 to {MAX_PRECISION} digits, the most a Decimal holds exactly"
                ),
            );
        }
    };
    let scale = match f.attrs.scale.get() {
        None => 0,
        Some(lit) => match lit.base10_parse::<u32>() {
            Ok(n) if n <= digits => n,
            _ => {
                return fail(
                    lit.span(),
                    format!(
                        "scale {lit} is out of range: a scale counts digits after the point, from 0 up to the precision ({digits})"
                    ),
                );
            }
        },
    };
    Some(Precision { digits, scale, span: f.attrs.precision.span()? })
}
