//! Joins `&'static str` constants at compile time, so DDL built from per-type constants
//! (`<String as Column>::POSTGRES`) is still a `const` the derive can emit.

/// Total length of `parts`.
#[doc(hidden)]
pub const fn concat_len(parts: &[&str]) -> usize {
    let mut total = 0;
    let mut i = 0;
    while i < parts.len() {
        total += parts[i].len();
        i += 1;
    }
    total
}

/// The bytes of `parts`, one after another; `N` must be [`concat_len`] of them.
#[doc(hidden)]
pub const fn concat_bytes<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < parts.len() {
        let bytes = parts[i].as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            out[at] = bytes[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// `text`, or `""` when `list` is empty: DDL text that goes with a list only when there is
/// one (a column's `CHECK (… IN <list>)`), still at compile time.
#[doc(hidden)]
pub const fn unless_empty(list: &str, text: &'static str) -> &'static str {
    if list.is_empty() { "" } else { text }
}

/// `const_concat!("a", X, "b")`: a `&'static str` joined at compile time.
#[doc(hidden)]
#[macro_export]
macro_rules! __const_concat {
    ($($part:expr),* $(,)?) => {{
        const PARTS: &[&str] = &[$($part),*];
        const LEN: usize = $crate::const_concat::concat_len(PARTS);
        const BYTES: [u8; LEN] = $crate::const_concat::concat_bytes::<LEN>(PARTS);
        match ::core::str::from_utf8(&BYTES) {
            Ok(text) => text,
            Err(_) => panic!("joining UTF-8 strings gives UTF-8"),
        }
    }};
}

#[cfg(test)]
mod tests {
    const A: &str = "CREATE ";
    const JOINED: &str = crate::__const_concat!(A, "TABLE ", "é");

    #[test]
    fn joins_at_compile_time() {
        assert_eq!(JOINED, "CREATE TABLE é");
    }

    const LIST: &str = "(1, 2)";
    const CHECKED: &str = crate::__const_concat!(
        "x",
        super::unless_empty(LIST, " IN "),
        LIST,
        super::unless_empty("", "!")
    );

    #[test]
    fn text_goes_with_a_list_only() {
        assert_eq!(CHECKED, "x IN (1, 2)");
    }
}
