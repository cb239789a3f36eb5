//! The peer ORMs of ../shared/BENCHMARKS.md, behind the `peers` feature: SeaORM ([`with_seaorm`])
//! and Diesel through diesel-async ([`with_diesel`]), on the same tables and data as dal and sqlx by
//! hand. Each is connected the way its users connect in a service — a pool of dal's default
//! size (10) — with its ping before every acquire turned off, as the by-hand sqlx pool has it,
//! so that the figures compare the ORMs and not their pools' health checks.

pub mod with_diesel;
pub mod with_seaorm;

/// What a peer operation fails with.
pub type PeerError = Box<dyn std::error::Error + Send + Sync>;

/// The result of a peer operation.
pub type PeerResult<T> = Result<T, PeerError>;
