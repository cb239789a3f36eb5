//! The slowest queries a pool has run: a short list kept by fingerprint, so one slow
//! statement repeated does not push every other one out.

use std::sync::Mutex;
use std::time::Duration;

/// A query slower than the pool's `slow_query_threshold`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct SlowQuery {
    /// The statement with literals and placeholders as `?` and comments removed
    /// ([`dal_sql::fingerprint`]): equal for runs that differ only in values.
    pub fingerprint: String,
    /// Its tags as sent (the sqlcommenter comment's content), empty when untagged.
    pub tags: String,
    /// Its slowest run.
    pub duration_ms: f64,
    /// Runs over the threshold.
    pub count: u64,
}

/// How many distinct fingerprints a pool keeps.
const KEPT: usize = 10;

#[derive(Debug, Default)]
pub(crate) struct SlowestQueries {
    kept: Mutex<Vec<SlowQuery>>,
}

impl SlowestQueries {
    /// Records a slow run of `sql` (the text sent, tags included).
    pub(crate) fn record(&self, sql: &str, took: Duration) -> SlowQuery {
        let run = SlowQuery {
            fingerprint: dal_sql::fingerprint(sql),
            tags: trailing_tags(sql).to_owned(),
            duration_ms: took.as_secs_f64() * 1000.0,
            count: 1,
        };
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(seen) = kept.iter_mut().find(|q| q.fingerprint == run.fingerprint) {
            seen.count += 1;
            if run.duration_ms > seen.duration_ms {
                seen.duration_ms = run.duration_ms;
                seen.tags.clone_from(&run.tags);
            }
        } else if kept.len() < KEPT {
            kept.push(run.clone());
        } else if let Some(fastest) = kept
            .iter_mut()
            .min_by(|a, b| a.duration_ms.total_cmp(&b.duration_ms))
            .filter(|fastest| run.duration_ms > fastest.duration_ms)
        {
            *fastest = run.clone();
        }
        run
    }

    /// Slowest first.
    pub(crate) fn list(&self) -> Vec<SlowQuery> {
        let mut list = self.kept.lock().unwrap_or_else(|p| p.into_inner()).clone();
        list.sort_by(|a, b| b.duration_ms.total_cmp(&a.duration_ms));
        list
    }
}

/// The content of a trailing sqlcommenter comment (`… /*k='v'*/`), or "".
fn trailing_tags(sql: &str) -> &str {
    let trimmed = sql.trim_end();
    let Some(body) = trimmed.strip_suffix("*/") else { return "" };
    match body.rfind("/*") {
        Some(start) => body[start + 2..].trim(),
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_one_shape_share_an_entry_and_the_slowest_stay() {
        let slow = SlowestQueries::default();
        slow.record("SELECT * FROM t WHERE id = 1 /*route='/a'*/", Duration::from_millis(30));
        slow.record("SELECT * FROM t WHERE id = 2 /*route='/b'*/", Duration::from_millis(50));
        for i in 0..20 {
            slow.record(&format!("SELECT {i} FROM u{i}"), Duration::from_millis(10 + i));
        }
        let list = slow.list();
        assert_eq!(list.len(), KEPT);
        assert_eq!(list[0].fingerprint, "SELECT * FROM t WHERE id = ?");
        assert_eq!((list[0].count, list[0].duration_ms), (2, 50.0));
        assert_eq!(list[0].tags, "route='/b'");
        assert!(list.iter().all(|q| q.duration_ms >= 20.0), "the fastest were pushed out");
    }

    #[test]
    fn tags_are_read_from_a_trailing_comment_only() {
        assert_eq!(trailing_tags("SELECT 1 /*a='b'*/ "), "a='b'");
        assert_eq!(trailing_tags("SELECT /* x */ 1"), "");
        assert_eq!(trailing_tags("*/"), "");
    }
}
