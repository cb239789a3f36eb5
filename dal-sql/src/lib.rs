//! SQL text rules of the three backends, as pure functions shared by `dal-macros` (which runs
//! them at compile time) and `dal-runtime` (which runs them on SQL built at run time): the
//! dialects, identifiers, the `?` lexer, inserts, the [history table's shape](history), and
//! the [names](naming), [indexes](index) and [defaults](default) of generated DDL.
//!
//! Everything here works on strings only: no I/O, no database, no async. That is what lets the
//! proc-macros rewrite `?` placeholders into constants with exactly the code the runtime uses.

mod comment;
pub mod decimal;
pub mod default;
mod dialect;
mod fingerprint;
mod fragment;
pub mod history;
mod ident;
pub mod index;
mod insert;
mod isolation;
pub mod naming;
mod numbered;
mod param_limit;
mod placeholders;
pub mod relation;
mod routing;

pub use comment::with_tags;
pub use dialect::Dialect;
pub use fingerprint::fingerprint;
pub use fragment::{FragmentError, FragmentProblem};
pub use ident::{Ident, IdentError, validate_ident};
pub use insert::insert_sql;
pub use isolation::IsolationLevel;
pub use numbered::NumberedParam;
pub use param_limit::TooManyParams;
pub use placeholders::{PlaceholderError, Rewritten};

/// Every `$n` parameter of native PostgreSQL text, in order of appearance, skipping `$n`
/// inside literals, quoted identifiers, comments and dollar-quoted bodies: where values go
/// when they are written into the text instead of bound (see `dal-runtime`'s transaction
/// pooler mode).
///
/// ```
/// let found = dal_sql::numbered_params("SELECT '$1', $2 WHERE a = $1")?;
/// assert_eq!(found.iter().map(|p| p.number).collect::<Vec<_>>(), [2, 1]);
/// # Ok::<(), dal_sql::PlaceholderError>(())
/// ```
pub fn numbered_params(sql: &str) -> Result<Vec<NumberedParam>, PlaceholderError> {
    numbered::numbered_params(sql)
}
