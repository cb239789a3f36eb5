//! Durations written in attributes: `500ms`, `2s`, `1m`.

/// Milliseconds of a duration like `250ms`, `2s` or `1m`; a message saying what is expected
/// otherwise.
pub(crate) fn parse_millis(text: &str) -> Result<u64, String> {
    let bad = || format!("`{text}` is not a duration: write it like \"500ms\", \"2s\" or \"1m\"");
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let n: u64 = digits.parse().map_err(|_| bad())?;
    match &text[digits.len()..] {
        "ms" => Ok(n),
        "s" => Ok(n.saturating_mul(1000)),
        "m" => Ok(n.saturating_mul(60_000)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_millis;

    #[test]
    fn parses_units() {
        assert_eq!(parse_millis("250ms"), Ok(250));
        assert_eq!(parse_millis("2s"), Ok(2000));
        assert_eq!(parse_millis("1m"), Ok(60_000));
        assert!(parse_millis("2").is_err());
        assert!(parse_millis("soon").is_err());
    }
}
