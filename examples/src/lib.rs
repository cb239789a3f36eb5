//! Runnable programs that show `dal`; see `src/bin`. The library holds what tests need to run
//! them: [`web_service`], the HTTP service behind `cargo run -p examples --bin web_service`;
//! [`conduit`], the RealWorld backend behind `cargo run -p examples --bin conduit`; and
//! [`serving`], the health, metrics and shutdown pieces both share.

pub mod conduit;
pub mod serving;
pub mod web_service;
