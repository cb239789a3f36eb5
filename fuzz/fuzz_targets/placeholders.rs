//! Fuzzes the `?` placeholder lexer of every dialect: it must never panic, and a successful
//! rewrite must keep every byte that is not part of a placeholder. The raw-filter check that
//! is built on the lexer (`check_fragment`) must never panic either.
//!
//! Run: `cargo fuzz run placeholders` from this folder (the seed corpus is `corpus/placeholders`).
#![no_main]

use dal_sql::Dialect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    for d in Dialect::ALL {
        let _ = d.check_fragment(sql);
        if let Ok(r) = d.rewrite_placeholders(sql) {
            let strip = |s: &str| s.replace(|c: char| c.is_ascii_digit() || c == '$' || c == '?', "");
            assert_eq!(strip(&r.sql), strip(sql));
        }
    }
});
