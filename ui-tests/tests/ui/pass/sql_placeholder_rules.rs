//! What the placeholder rules of `sql!` leave alone: `?` followed by digits inside literals,
//! quoted identifiers, comments and dollar-quoted bodies, `??` before a digit, and native `$n`
//! in a statement without `?` (sent as written).

use dal::prelude::*;

fn main() {
    let _ = sql!(r#"SELECT '?1', "?2" FROM t /* ?3 */ WHERE a = ? -- ?4"#, 1_i64);
    let _ = sql!("SELECT $$ ?5 $$, $f$ $1 ?6 $f$ WHERE b = ?", "x");
    let _ = sql!("SELECT data ??1 FROM t WHERE id = ?", 7_i64);
    let _ = sql!("PREPARE p (int) AS SELECT $1 + $2");
}
