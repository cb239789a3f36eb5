//! Holds no code: the cases live in `tests/ui`, driven by `tests/ui.rs`.
