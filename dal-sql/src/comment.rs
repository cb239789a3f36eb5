//! Query tags rendered as a trailing SQL comment in the sqlcommenter format
//! (<https://google.github.io/sqlcommenter/spec/>): `/*key='value',other='x'*/`, keys sorted,
//! keys and values percent-encoded, so no tag can close the comment or inject SQL.

/// Appends the sqlcommenter comment for `tags` to `sql` (nothing when there are none).
///
/// ```
/// let sql = dal_sql::with_tags("SELECT 1", &[("route", "/users/{id}"), ("app", "shop")]);
/// assert_eq!(sql, "SELECT 1 /*app='shop',route='%2Fusers%2F%7Bid%7D'*/");
/// ```
pub fn with_tags(sql: &str, tags: &[(&str, &str)]) -> String {
    if tags.is_empty() {
        return sql.to_owned();
    }
    let mut sorted: Vec<_> = tags.to_vec();
    sorted.sort();
    let mut out = String::with_capacity(sql.len() + 16 * tags.len());
    out.push_str(sql.trim_end_matches([' ', '\n', '\t', ';']));
    out.push_str(" /*");
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        encode(&mut out, k);
        out.push_str("='");
        encode(&mut out, v);
        out.push('\'');
    }
    out.push_str("*/");
    out
}

/// Percent-encodes everything but unreserved characters (RFC 3986), as `encodeURIComponent`
/// does, plus `'` and `*`, which would end the value or the comment.
fn encode(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_tags;

    #[test]
    fn hostile_values_cannot_leave_the_comment() {
        let sql = with_tags("SELECT 1;", &[("k'*/", "v'; DROP TABLE x; --?")]);
        assert_eq!(sql, "SELECT 1 /*k%27%2A%2F='v%27%3B%20DROP%20TABLE%20x%3B%20--%3F'*/");
        assert_eq!(with_tags("SELECT 1", &[]), "SELECT 1");
    }
}
