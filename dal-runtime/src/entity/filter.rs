//! [`Filter`]: conditions on typed columns (or raw SQL with `?`), rendered with every value
//! bound as a parameter — never spliced into the text.

use dal_sql::{Dialect, Ident, IdentError, validate_ident};

use crate::error::{Error, ErrorKind, Result};
use crate::types::{IntoValue, Value};

/// A comparison operator (built by the column methods).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs, reason = "each variant is the SQL operator of its name")]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

impl Op {
    const fn as_sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Like => "LIKE",
        }
    }
}

/// A condition for `find()`: built from column constants (`User::AGE.gt(18)`), combined with
/// [`Filter::and`], [`Filter::or`] and [`Filter::not`], or raw with [`Filter::raw`].
#[derive(Debug, Clone)]
pub enum Filter {
    #[doc(hidden)]
    Compare { column: &'static str, op: Op, value: Value<'static> },
    #[doc(hidden)]
    In { column: &'static str, values: Vec<Value<'static>> },
    #[doc(hidden)]
    Between { column: &'static str, low: Value<'static>, high: Value<'static> },
    #[doc(hidden)]
    Null { column: &'static str, negated: bool },
    #[doc(hidden)]
    All(Vec<Filter>),
    #[doc(hidden)]
    Any(Vec<Filter>),
    #[doc(hidden)]
    Not(Box<Filter>),
    #[doc(hidden)]
    Raw { sql: String, params: Vec<Value<'static>> },
    /// `EXISTS (SELECT 1 FROM table WHERE table.column = outer_table.outer_column AND …)`:
    /// built by a relation's `any` or `matches`.
    #[doc(hidden)]
    Exists {
        table: &'static str,
        column: &'static str,
        outer_table: &'static str,
        outer_column: &'static str,
        deleted_at: Option<&'static str>,
        filter: Box<Filter>,
    },
}

impl Filter {
    /// Both conditions.
    pub fn and(self, other: Filter) -> Filter {
        match self {
            Filter::All(mut all) => {
                all.push(other);
                Filter::All(all)
            }
            first => Filter::All(vec![first, other]),
        }
    }

    /// Either condition.
    pub fn or(self, other: Filter) -> Filter {
        match self {
            Filter::Any(mut any) => {
                any.push(other);
                Filter::Any(any)
            }
            first => Filter::Any(vec![first, other]),
        }
    }

    /// The opposite condition.
    #[allow(clippy::should_implement_trait, reason = "`!filter` works too, through `Not`")]
    pub fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }

    /// Raw SQL with `?` placeholders and their values: `Filter::raw("age > ? OR vip", [18])`.
    /// The text is yours to keep free of untrusted input; the values are always bound.
    ///
    /// The text must stand as one condition, because dal writes its own after it (a query on
    /// a soft-deleted entity appends `AND "deleted_at" IS NULL`). So when the query is built,
    /// before anything is sent, a text is refused with [`ErrorKind::Usage`] if, outside
    /// literals, quoted identifiers and comments, it ends in a line comment (`--`, or `#` on
    /// MySQL), its parentheses do not balance, it holds a `;`, or (MySQL) an executable
    /// comment `/*! … */`; each could drop the appended condition or lift the filter out from
    /// under it (see [`dal_sql::Dialect::check_fragment`], which also reads the text as the
    /// server would under settings such as MySQL's `NO_BACKSLASH_ESCAPES`). The category is
    /// `Usage`, not `Syntax`: the server never saw the text, and the text may be valid SQL
    /// elsewhere; it cannot be a condition dal builds on. A literal or block comment that
    /// never closes is an [`ErrorKind::Parameters`] error, as for any raw SQL text.
    pub fn raw<V: IntoValue>(
        sql: impl Into<String>,
        params: impl IntoIterator<Item = V>,
    ) -> Filter {
        Filter::Raw {
            sql: sql.into(),
            params: params.into_iter().map(IntoValue::into_value).collect(),
        }
    }

    /// Appends the condition with `?` placeholders to `out` and its values to `params`.
    pub(crate) fn render(
        &self,
        d: Dialect,
        out: &mut String,
        params: &mut Vec<Value<'static>>,
    ) -> Result<()> {
        self.render_at(d, out, params, 0)
    }

    /// [`Filter::render`] inside `depth` relation subqueries: the subquery at depth `k` names
    /// its table `dal_r{k}`, so a relation of a table to itself (`Category::CHILDREN`) and
    /// relation filters inside relation filters each correlate with the right row.
    fn render_at(
        &self,
        d: Dialect,
        out: &mut String,
        params: &mut Vec<Value<'static>>,
        depth: usize,
    ) -> Result<()> {
        match self {
            Filter::Compare { column, op, value } => {
                push_column(d, out, column)?;
                out.push_str(&format!(" {} ?", op.as_sql()));
                params.push(value.clone());
            }
            Filter::In { column, values } if values.is_empty() => {
                let _ = column;
                out.push_str("1 = 0");
            }
            Filter::In { column, values } => {
                push_column(d, out, column)?;
                out.push_str(" IN (");
                out.push_str(&vec!["?"; values.len()].join(", "));
                out.push(')');
                params.extend(values.iter().cloned());
            }
            Filter::Between { column, low, high } => {
                push_column(d, out, column)?;
                out.push_str(" BETWEEN ? AND ?");
                params.push(low.clone());
                params.push(high.clone());
            }
            Filter::Null { column, negated } => {
                push_column(d, out, column)?;
                out.push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Filter::All(parts) | Filter::Any(parts) => {
                let joiner = if matches!(self, Filter::All(_)) { " AND " } else { " OR " };
                if parts.is_empty() {
                    out.push_str(if matches!(self, Filter::All(_)) { "1 = 1" } else { "1 = 0" });
                }
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push_str(joiner);
                    }
                    out.push('(');
                    part.render_at(d, out, params, depth)?;
                    out.push(')');
                }
            }
            Filter::Not(inner) => {
                out.push_str("NOT (");
                inner.render_at(d, out, params, depth)?;
                out.push(')');
            }
            Filter::Raw { sql, params: values } => {
                let expected = d.count_placeholders(sql)?;
                if expected != values.len() {
                    return Err(Error::new(
                        ErrorKind::Parameters,
                        format!(
                            "the raw filter has {expected} `?` placeholders but {} values",
                            values.len()
                        ),
                    ));
                }
                d.check_fragment(sql).map_err(|e| {
                    Error::usage(format!(
                        "the raw filter cannot stand as one condition: {e}; dal appends conditions of its own (such as the soft-delete check) after it"
                    ))
                    .with_source(e)
                })?;
                out.push_str(sql);
                params.extend(values.iter().cloned());
            }
            Filter::Exists { table, column, outer_table, outer_column, deleted_at, filter } => {
                // The filter's own columns are unqualified, so they name the subquery's table,
                // the nearest in scope; only the correlation names both sides.
                let alias = format!("dal_r{depth}");
                let outer = match depth {
                    0 => (*outer_table).to_owned(),
                    _ => format!("dal_r{}", depth - 1),
                };
                out.push_str("EXISTS (SELECT 1 FROM ");
                push_column(d, out, table)?;
                out.push_str(" AS ");
                push_column(d, out, &alias)?;
                out.push_str(" WHERE ");
                push_qualified(d, out, &alias, column)?;
                out.push_str(" = ");
                push_qualified(d, out, &outer, outer_column)?;
                if let Some(deleted_at) = deleted_at {
                    out.push_str(" AND ");
                    push_qualified(d, out, &alias, deleted_at)?;
                    out.push_str(" IS NULL");
                }
                out.push_str(" AND (");
                filter.render_at(d, out, params, depth + 1)?;
                out.push_str("))");
            }
        }
        Ok(())
    }
}

impl std::ops::Not for Filter {
    type Output = Filter;
    fn not(self) -> Filter {
        Filter::Not(Box::new(self))
    }
}

/// Quotes a column name after checking it: no identifier reaches SQL unchecked, even one a
/// caller built by hand.
pub(crate) fn push_column(d: Dialect, out: &mut String, name: &str) -> Result<()> {
    validate_ident(name).map_err(|e| not_a_name(name, e))?;
    let q = d.ident_quote();
    out.push(q);
    out.push_str(name);
    out.push(q);
    Ok(())
}

/// `"table"."column"`, both checked.
fn push_qualified(d: Dialect, out: &mut String, table: &str, column: &str) -> Result<()> {
    push_column(d, out, table)?;
    out.push('.');
    push_column(d, out, column)
}

/// `name` checked as an identifier, for the statements built from it.
pub(crate) fn checked_ident(name: &str) -> Result<Ident> {
    Ident::new(name).map_err(|e| not_a_name(name, e))
}

fn not_a_name(name: &str, e: IdentError) -> Error {
    Error::new(ErrorKind::Usage, format!("`{name}` cannot be a column name: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(d: Dialect, f: &Filter) -> Result<String> {
        let (mut out, mut params) = (String::new(), Vec::new());
        f.render(d, &mut out, &mut params).map(|()| out)
    }

    #[test]
    fn raw_filters_that_reach_past_their_end_are_refused_before_anything_runs() {
        for d in Dialect::ALL {
            for sql in ["vip -- for now", "a = 1) OR (1 = 1", "(a = 1", "a = 1; DELETE FROM t"] {
                let e = render(d, &Filter::raw(sql, Vec::<i32>::new())).expect_err(sql);
                assert_eq!(e.kind(), ErrorKind::Usage, "{d}: {sql}: {e}");
                assert!(e.to_string().starts_with("the raw filter cannot stand as one condition"));
            }
            let unclosed = Filter::raw("a = 1 /* ?", Vec::<i32>::new());
            assert_eq!(render(d, &unclosed).expect_err("open").kind(), ErrorKind::Parameters);
        }
        let hash = Filter::raw("vip # for now", Vec::<i32>::new());
        assert_eq!(render(Dialect::MySql, &hash).expect_err("comment").kind(), ErrorKind::Usage);
        assert!(render(Dialect::Postgres, &hash).is_ok(), "`#` is an operator on PostgreSQL");
    }

    #[test]
    fn a_relation_filter_is_a_correlated_exists() {
        let f = Filter::Exists {
            table: "orders",
            column: "customer_id",
            outer_table: "customers",
            outer_column: "id",
            deleted_at: Some("deleted_at"),
            filter: Box::new(Filter::Compare { column: "total", op: Op::Gt, value: Value::I64(5) }),
        };
        assert_eq!(
            render(Dialect::MySql, &f).expect("renders"),
            "EXISTS (SELECT 1 FROM `orders` AS `dal_r0` WHERE `dal_r0`.`customer_id` = `customers`.`id` AND `dal_r0`.`deleted_at` IS NULL AND (`total` > ?))"
        );
        let nested = Filter::Exists {
            table: "categories",
            column: "parent_id",
            outer_table: "categories",
            outer_column: "id",
            deleted_at: None,
            filter: Box::new(Filter::Exists {
                table: "categories",
                column: "parent_id",
                outer_table: "categories",
                outer_column: "id",
                deleted_at: None,
                filter: Box::new(Filter::Null { column: "name", negated: false }),
            }),
        };
        assert_eq!(
            render(Dialect::Postgres, &nested).expect("renders"),
            r#"EXISTS (SELECT 1 FROM "categories" AS "dal_r0" WHERE "dal_r0"."parent_id" = "categories"."id" AND (EXISTS (SELECT 1 FROM "categories" AS "dal_r1" WHERE "dal_r1"."parent_id" = "dal_r0"."id" AND ("name" IS NULL))))"#
        );
    }

    #[test]
    fn a_self_contained_raw_filter_is_kept_as_written() {
        let f = Filter::raw("(age > ? OR name = ')') -- adults\n", [18])
            .and(Filter::raw("vip", [0; 0]));
        assert_eq!(
            render(Dialect::Postgres, &f).expect("renders"),
            "((age > ? OR name = ')') -- adults\n) AND (vip)"
        );
    }
}
