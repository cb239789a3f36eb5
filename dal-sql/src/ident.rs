//! Identifier checking: the one gate every table and column name passes before it is quoted
//! into SQL text, so no identifier reaches SQL unchecked.

/// Longest identifier accepted: PostgreSQL truncates past 63 bytes, MySQL rejects past 64.
pub const MAX_IDENT_LEN: usize = 63;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentError {
    /// The identifier is empty.
    Empty,
    /// The identifier is longer than [`MAX_IDENT_LEN`] bytes.
    TooLong(usize),
    /// The identifier holds a character other than ASCII letters, digits and `_`,
    /// or starts with a digit.
    InvalidChar(char),
}

impl std::fmt::Display for IdentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdentError::Empty => f.write_str("an SQL identifier cannot be empty"),
            IdentError::TooLong(n) => write!(
                f,
                "an SQL identifier is at most {MAX_IDENT_LEN} bytes long, this one has {n}"
            ),
            IdentError::InvalidChar(c) => write!(
                f,
                "an SQL identifier may hold only ASCII letters, digits and `_` and may not start with a digit; found {c:?}"
            ),
        }
    }
}

impl std::error::Error for IdentError {}

/// An identifier that passed [`validate_ident`], so quoting it needs no escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident(String);

impl Ident {
    /// Checks `name` and wraps it.
    pub fn new(name: &str) -> Result<Self, IdentError> {
        validate_ident(name)?;
        Ok(Ident(name.to_owned()))
    }

    /// The identifier as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks that `ident` is a plain identifier: `[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes.
///
/// Plain identifiers need no escaping in any dialect, so quoting them cannot be subverted.
pub fn validate_ident(ident: &str) -> Result<(), IdentError> {
    let mut chars = ident.chars();
    let Some(first) = chars.next() else {
        return Err(IdentError::Empty);
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(IdentError::InvalidChar(first));
    }
    if let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '_')) {
        return Err(IdentError::InvalidChar(bad));
    }
    if ident.len() > MAX_IDENT_LEN {
        return Err(IdentError::TooLong(ident.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_identifiers() {
        for ok in ["users", "_x", "A1_b2"] {
            assert_eq!(validate_ident(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_anything_that_could_break_quoting() {
        assert_eq!(validate_ident(""), Err(IdentError::Empty));
        assert_eq!(validate_ident("1a"), Err(IdentError::InvalidChar('1')));
        assert_eq!(validate_ident("a\"b"), Err(IdentError::InvalidChar('"')));
        assert_eq!(validate_ident("a`b"), Err(IdentError::InvalidChar('`')));
        assert_eq!(validate_ident("a b"), Err(IdentError::InvalidChar(' ')));
        assert_eq!(validate_ident("naïve"), Err(IdentError::InvalidChar('ï')));
        assert_eq!(validate_ident(&"a".repeat(64)), Err(IdentError::TooLong(64)));
    }
}
