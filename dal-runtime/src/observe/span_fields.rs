//! The fields of a query's tracing span that are read from its SQL text: the operation and
//! the table. Read only when the span is enabled; a best guess, never an error.

/// The statement's first keyword, uppercased (`SELECT`, `INSERT`, …), and the first table it
/// names after `FROM`, `INTO`, `UPDATE` or `JOIN`, without quotes.
pub(crate) fn operation_and_table(sql: &str) -> (String, Option<String>) {
    let mut words =
        sql.split(|c: char| c.is_whitespace() || c == '(' || c == ',').filter(|w| !w.is_empty());
    let operation = words.next().unwrap_or("").to_ascii_uppercase();
    let mut table = None;
    let mut previous = operation.clone();
    for word in words {
        if matches!(previous.as_str(), "FROM" | "INTO" | "UPDATE" | "JOIN") {
            let name = word.trim_matches(|c| c == '"' || c == '`' || c == ';');
            if !name.is_empty() && !name.starts_with('?') {
                table = Some(name.to_owned());
                break;
            }
        }
        previous = word.to_ascii_uppercase();
    }
    (operation, table)
}

/// Rows a result holds or touched, for the span's `db.response.returned_rows`.
pub(crate) trait RowCount {
    fn rows(&self) -> u64;
}

impl RowCount for crate::driver::ExecResult {
    fn rows(&self) -> u64 {
        self.rows_affected
    }
}

impl<T> RowCount for Vec<T> {
    fn rows(&self) -> u64 {
        self.len() as u64
    }
}

impl RowCount for Option<crate::types::Row> {
    fn rows(&self) -> u64 {
        u64::from(self.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::operation_and_table;

    #[test]
    fn operation_and_table_of_common_statements() {
        let cases = [
            ("SELECT id FROM \"users\" WHERE id = $1", "SELECT", Some("users")),
            ("insert into members (id) values (?)", "INSERT", Some("members")),
            ("UPDATE `t` SET a = 1", "UPDATE", Some("t")),
            ("DELETE FROM t_history WHERE id = ?", "DELETE", Some("t_history")),
            ("SELECT 1", "SELECT", None),
            ("", "", None),
        ];
        for (sql, op, table) in cases {
            let (o, t) = operation_and_table(sql);
            assert_eq!((o.as_str(), t.as_deref()), (op, table), "{sql}");
        }
    }
}
