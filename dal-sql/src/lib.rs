//! SQL text rules of the three backends, as pure functions shared by `dal-macros` (which runs
//! them at compile time) and `dal-runtime` (which runs them on SQL built at run time).
//!
//! Everything here works on strings only: no I/O, no database, no async. That is what lets the
//! proc-macros rewrite `?` placeholders into constants with exactly the code the runtime uses.

mod comment;
mod dialect;
mod fingerprint;
mod ident;
mod isolation;
mod placeholders;

pub use comment::with_tags;
pub use dialect::Dialect;
pub use fingerprint::fingerprint;
pub use ident::{Ident, IdentError, validate_ident};
pub use isolation::IsolationLevel;
pub use placeholders::{PlaceholderError, Rewritten};
