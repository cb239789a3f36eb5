//! How many values one statement may bind, and the error for a statement past that.
//!
//! The limits themselves are [`Dialect::max_params`]: the one number that bulk saving batches
//! by and that every statement is checked against before it is sent.

use crate::Dialect;

/// A statement binds more values than its backend takes in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyParams {
    /// The values the statement binds.
    pub count: usize,
    /// The most the backend takes ([`Dialect::max_params`]).
    pub limit: usize,
    /// The backend's dialect.
    pub dialect: Dialect,
}

impl std::fmt::Display for TooManyParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let TooManyParams { count, limit, dialect } = self;
        write!(
            f,
            "the statement binds {count} parameters but {dialect} takes at most {limit} in one statement: split the work into several statements"
        )
    }
}

impl std::error::Error for TooManyParams {}

pub(crate) fn check(dialect: Dialect, count: usize) -> Result<(), TooManyParams> {
    let limit = dialect.max_params();
    if count <= limit { Ok(()) } else { Err(TooManyParams { count, limit, dialect }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_itself_passes_and_one_more_fails() {
        for d in Dialect::ALL {
            assert_eq!(check(d, d.max_params()), Ok(()));
            let e = check(d, d.max_params() + 1).expect_err("one past the limit");
            assert_eq!(e.count, d.max_params() + 1);
        }
        assert_eq!(
            check(Dialect::Sqlite, 70_000).map_err(|e| e.to_string()),
            Err("the statement binds 70000 parameters but sqlite takes at most 32766 in one statement: split the work into several statements".into())
        );
    }
}
