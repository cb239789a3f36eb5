//! Stage 3: the `db.query` span the driver call runs in.

use sqlx::SqlStr;

use crate::observe::RowCount;
use crate::pool::PooledConnection;

/// The span of one statement: its operation, table, SQL text (placeholders only, never
/// values) and, once done, rows; a child of the open transaction's span if any. Nothing is
/// computed when no subscriber wants the span.
pub(super) fn query_span(conn: &PooledConnection, sql: &SqlStr) -> tracing::Span {
    let parent = conn.transaction_span().cloned().unwrap_or_else(tracing::Span::current);
    let span = tracing::debug_span!(
        parent: &parent,
        "db.query",
        db.system = conn.backend().scheme(),
        db.operation.name = tracing::field::Empty,
        db.collection.name = tracing::field::Empty,
        db.query.text = tracing::field::Empty,
        db.response.returned_rows = tracing::field::Empty,
    );
    if !span.is_disabled() {
        let (operation, table) = crate::observe::operation_and_table(sql.as_str());
        span.record("db.operation.name", operation.as_str());
        if let Some(table) = table {
            span.record("db.collection.name", table.as_str());
        }
        span.record("db.query.text", sql.as_str());
    }
    span
}

/// Records what the statement returned.
pub(super) fn record_rows(span: &tracing::Span, done: &impl RowCount) {
    span.record("db.response.returned_rows", done.rows());
}
