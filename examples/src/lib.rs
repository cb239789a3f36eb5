//! Runnable programs that show `dal`; see `src/bin`. The library part is empty.
