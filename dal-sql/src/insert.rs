//! `INSERT INTO … VALUES (…), (…)`: the one builder of insert statements, for the generated
//! single-row inserts and the run-time multi-row ones alike.

use crate::{Dialect, Ident};

/// `INSERT INTO table (columns…) VALUES (…)` with `rows` rows of native placeholders (at least
/// one), numbered across the rows: written in native form, so a thousand-row statement is not
/// lexed again.
///
/// ```
/// use dal_sql::{Dialect, Ident, insert_sql};
/// let (t, a, b) = (Ident::new("t")?, Ident::new("a")?, Ident::new("b")?);
/// assert_eq!(
///     insert_sql(Dialect::Postgres, &t, [&a, &b], 2),
///     r#"INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4)"#
/// );
/// # Ok::<(), dal_sql::IdentError>(())
/// ```
pub fn insert_sql<'a>(
    d: Dialect,
    table: &Ident,
    columns: impl IntoIterator<Item = &'a Ident>,
    rows: usize,
) -> String {
    let columns: Vec<&str> = columns.into_iter().map(Ident::as_str).collect();
    insert_checked(d, table.as_str(), &columns, rows)
}

/// [`insert_sql`] over names already checked to be plain identifiers (which need no escaping).
pub(crate) fn insert_checked(d: Dialect, table: &str, columns: &[&str], rows: usize) -> String {
    let q = d.ident_quote();
    let mut sql = String::with_capacity(64 + rows * columns.len() * 6);
    sql.push_str("INSERT INTO ");
    push_quoted(&mut sql, q, table);
    sql.push_str(" (");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        push_quoted(&mut sql, q, c);
    }
    sql.push_str(") VALUES ");
    let mut n = 0;
    for r in 0..rows.max(1) {
        sql.push_str(if r > 0 { ", (" } else { "(" });
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            d.push_placeholder(&mut sql, n);
        }
        sql.push(')');
    }
    sql
}

fn push_quoted(out: &mut String, q: char, name: &str) {
    out.push(q);
    out.push_str(name);
    out.push(q);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(names: &[&str]) -> Vec<Ident> {
        names.iter().map(|n| Ident::new(n).expect("plain")).collect()
    }

    #[test]
    fn one_row_per_dialect() {
        let t = Ident::new("users").expect("plain");
        let cols = idents(&["id", "name"]);
        let sql = |d| insert_sql(d, &t, &cols, 1);
        assert_eq!(sql(Dialect::Postgres), r#"INSERT INTO "users" ("id", "name") VALUES ($1, $2)"#);
        assert_eq!(sql(Dialect::MySql), "INSERT INTO `users` (`id`, `name`) VALUES (?, ?)");
        assert_eq!(sql(Dialect::Sqlite), r#"INSERT INTO "users" ("id", "name") VALUES (?, ?)"#);
    }

    #[test]
    fn many_rows_number_their_placeholders_across_rows() {
        let t = Ident::new("t").expect("plain");
        let cols = idents(&["a", "b", "c"]);
        let sql = insert_sql(Dialect::Postgres, &t, &cols, 3);
        assert!(sql.ends_with("VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9)"), "{sql}");
        let sql = insert_sql(Dialect::MySql, &t, &cols, 2);
        assert!(sql.ends_with("VALUES (?, ?, ?), (?, ?, ?)"), "{sql}");
        // Zero rows is still a statement of one row, never `VALUES ` with nothing after it.
        assert_eq!(
            insert_sql(Dialect::Sqlite, &t, &cols, 0),
            insert_sql(Dialect::Sqlite, &t, &cols, 1)
        );
    }
}
