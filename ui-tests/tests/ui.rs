//! Compile-fail cases pin the error (message and span) each macro misuse gets; compile-pass
//! cases pin what must keep compiling. Regenerate `.stderr` files with `TRYBUILD=overwrite`
//! after a deliberate change, and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
