//! Where the `$n` parameters of native PostgreSQL text stand, so a caller can write each
//! value into the text instead of binding it (what a transaction-pooling proxy without
//! protocol-level prepared statements needs). `$n` inside literals, quoted identifiers,
//! comments and dollar-quoted bodies is not a parameter and is not listed.

use crate::placeholders::{PlaceholderError, Token, token};

/// One `$n` in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberedParam {
    /// Byte offset of the `$`.
    pub start: usize,
    /// Byte offset just past the last digit.
    pub end: usize,
    /// The 1-based parameter number `n`.
    pub number: usize,
}

/// Every `$n` parameter of PostgreSQL text, in order of appearance (a number may repeat).
pub(crate) fn numbered_params(sql: &str) -> Result<Vec<NumberedParam>, PlaceholderError> {
    let rules = crate::Dialect::Postgres.lex_rules();
    let b = sql.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let (tok, end) = token(b, i, rules)?;
        if tok == Token::DollarNumber {
            // `$0` or a number too large for `usize` is not a parameter; leave it to the server.
            let number = sql[i + 1..end].parse::<usize>().ok().filter(|n| *n > 0);
            if let Some(number) = number {
                found.push(NumberedParam { start: i, end, number });
            }
        }
        i = end;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(sql: &str) -> Vec<usize> {
        numbered_params(sql).expect("lexes").iter().map(|p| p.number).collect()
    }

    #[test]
    fn finds_parameters_outside_quotes() {
        assert_eq!(numbers("a = $1 AND b = $12 OR c = $1"), vec![1, 12, 1]);
        assert_eq!(numbers("'$1' \"$2\" -- $3\n /* $4 */ $$ $5 $$ $6"), vec![6]);
        assert_eq!(numbers("E'\\'$1' = $2"), vec![2]);
        // `$` after an identifier byte, `$0` and a lone `$` are not parameters.
        assert_eq!(numbers("x$1 = $0 AND $ AND $3"), vec![3]);
        let p = numbered_params("ab $7,").expect("lexes");
        assert_eq!(p, vec![NumberedParam { start: 3, end: 5, number: 7 }]);
    }

    #[test]
    fn unterminated_text_is_an_error() {
        assert!(numbered_params("'$1").is_err());
    }
}
