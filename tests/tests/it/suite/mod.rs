//! The behaviour suite: each function is one test, written once, run on every backend.

mod auto_transaction;
mod blocking;
mod bulk;
mod cancellation;
mod constraints;
mod entity;
mod find;
mod observability;
mod pool;
mod query;
mod relations;
mod resilience;
mod round_trip;
mod services;
mod transaction;
mod values;
mod versioning;

pub use auto_transaction::*;
pub use blocking::*;
pub use bulk::*;
pub use cancellation::*;
pub use constraints::*;
pub use entity::*;
pub use find::*;
pub use observability::*;
pub use pool::*;
pub use query::*;
pub use relations::*;
pub use resilience::*;
pub use round_trip::*;
pub use services::*;
pub use transaction::*;
pub use values::*;
pub use versioning::*;
