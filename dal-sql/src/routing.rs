//! Which statements may run on a read replica: a pure, conservative classification of SQL
//! text by its words outside literals, quoted identifiers and comments.
//!
//! A statement counts as read-only when its first word starts a query (`SELECT`, `WITH`,
//! `VALUES`, `TABLE`, `SHOW`) and no word anywhere in it writes or locks (`INSERT`, `UPDATE`,
//! `DELETE`, `MERGE`, `INTO`, `SHARE`, `LOCK`, `NEXTVAL`, `SETVAL`). Anything else, and
//! anything the lexer cannot read, counts as a write: a read sent to the primary costs a
//! little load, a write sent to a replica fails.

use crate::Dialect;
use crate::placeholders::{Token, ident_before, is_ident_byte, token};

/// First words of statements that only read.
const READ_STARTS: [&str; 5] = ["SELECT", "WITH", "VALUES", "TABLE", "SHOW"];

/// Words that make a statement write, lock rows or advance a sequence. `INTO` covers
/// `SELECT … INTO` (which creates a table on PostgreSQL); `SHARE` and `LOCK` cover
/// `FOR SHARE`, `FOR KEY SHARE` and MySQL's `LOCK IN SHARE MODE`; `UPDATE` covers
/// `FOR UPDATE` and `FOR NO KEY UPDATE`.
const WRITE_WORDS: [&str; 9] =
    ["INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "SHARE", "LOCK", "NEXTVAL", "SETVAL"];

/// Whether `sql` only reads (see the module docs): `false` for anything in doubt.
pub(crate) fn is_read_only(dialect: Dialect, sql: &str) -> bool {
    let rules = dialect.lex_rules();
    let b = sql.as_bytes();
    let mut i = 0;
    let mut first = true;
    while i < b.len() {
        let Ok((tok, end)) = token(b, i, rules) else { return false };
        if let Token::Code(c) = tok
            && (c.is_ascii_alphabetic() || c == b'_')
            && !ident_before(b, i)
        {
            let word_end =
                b[i..].iter().position(|c| !is_ident_byte(*c)).map_or(b.len(), |p| i + p);
            let word = &sql[i..word_end];
            if first && !READ_STARTS.iter().any(|w| word.eq_ignore_ascii_case(w)) {
                return false;
            }
            first = false;
            if WRITE_WORDS.iter().any(|w| word.eq_ignore_ascii_case(w)) {
                return false;
            }
            i = word_end;
            continue;
        }
        i = end;
    }
    !first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sql: &str) -> bool {
        is_read_only(Dialect::Postgres, sql)
    }

    #[test]
    fn plain_queries_are_reads() {
        assert!(read("SELECT id, name FROM users WHERE age > $1 ORDER BY name LIMIT 10"));
        assert!(read("  /* tag */ select 1"));
        assert!(read("WITH a AS (SELECT 1) SELECT * FROM a"));
        assert!(read("VALUES (1), (2)"));
        assert!(read("SHOW server_version"));
        // Words that merely contain a write word are column names.
        assert!(read("SELECT update_count, deleted_at, inserted FROM t"));
        // Write words inside literals, quoted names and comments do not count.
        assert!(read("SELECT 'DELETE FROM t' AS s, \"update\" FROM t -- insert\n"));
        assert!(read("SELECT $$ INSERT $$"));
    }

    #[test]
    fn writes_locks_and_doubt_are_not() {
        for sql in [
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "DELETE FROM t",
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            "SELECT * FROM t FOR UPDATE",
            "SELECT * FROM t FOR NO KEY UPDATE",
            "SELECT * FROM t FOR KEY SHARE",
            "SELECT * FROM t LOCK IN SHARE MODE",
            "SELECT * INTO new_table FROM t",
            "SELECT nextval('s')",
            "SELECT 1; DELETE FROM t",
            "EXPLAIN ANALYZE DELETE FROM t",
            "BEGIN",
            "",
            "   ",
            "SELECT 'unterminated",
        ] {
            assert!(!read(sql), "{sql:?} must go to the primary");
        }
    }

    #[test]
    fn mysql_comments_and_strings() {
        assert!(is_read_only(Dialect::MySql, "SELECT \"DELETE\" # UPDATE\n FROM t"));
        assert!(!is_read_only(Dialect::MySql, "SELECT * FROM t FOR UPDATE"));
    }
}
