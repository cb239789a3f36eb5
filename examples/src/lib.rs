//! Runnable programs that show `dal`; see `src/bin`. The library holds what tests need to run
//! them: [`web_service`], the HTTP service behind `cargo run -p examples --bin web_service`.

pub mod web_service;
