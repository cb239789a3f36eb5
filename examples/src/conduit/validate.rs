//! Checks on what clients send, each failing with the spec's 422 and a message that names the
//! field.

use super::error::ApiError;
use super::schema::MAX_KEY_CHARS;

/// `value` with surrounding white space removed; 422 when nothing is left.
pub fn required(field: &str, value: &str) -> Result<String, ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ApiError::unprocessable(format!("{field} can't be blank")));
    }
    Ok(trimmed.to_owned())
}

/// A value that is unique in its table (username, e-mail, tag name): [`required`], and at
/// most [`MAX_KEY_CHARS`] characters, the length of those unique columns.
pub fn key(field: &str, value: &str) -> Result<String, ApiError> {
    let value = required(field, value)?;
    if value.chars().count() > MAX_KEY_CHARS {
        return Err(ApiError::unprocessable(format!(
            "{field} is too long (at most {MAX_KEY_CHARS} characters)"
        )));
    }
    Ok(value)
}

/// An e-mail address: a [`key`] with an `@` that has text on both sides.
pub fn email(value: &str) -> Result<String, ApiError> {
    let value = key("email", value)?;
    match value.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok(value),
        _ => Err(ApiError::unprocessable("email is invalid")),
    }
}

/// A password: anything but blank (kept as typed, white space included).
pub fn password(value: &str) -> Result<String, ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::unprocessable("password can't be blank"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_long_and_malformed_values_are_refused_by_name() {
        assert_eq!(required("title", "  x ").expect("kept"), "x");
        assert_eq!(required("title", "  ").expect_err("blank").messages, ["title can't be blank"]);
        let long = "a".repeat(MAX_KEY_CHARS + 1);
        assert!(key("username", &long).expect_err("long").messages[0].contains("too long"));
        assert!(key("username", &long[1..]).is_ok());
        assert_eq!(email("nobody").expect_err("no @").messages, ["email is invalid"]);
        assert_eq!(email("a@b.c").expect("valid"), "a@b.c");
    }
}
