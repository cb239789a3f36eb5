//! `save_all`: many rows in few statements, history included, all or nothing.

use dal::Entity;
use dal::query::Dialect;
use dal::types::Uuid;
use tests::TestDb;

use crate::entities::{Entry, Member};

fn members(n: usize) -> Vec<Member> {
    (0..n).map(|i| Member::new(&format!("member {i}"))).collect()
}

/// Statements a multi-row insert of `rows` rows of `columns` columns needs at the least.
fn statements_needed(d: Dialect, rows: usize, columns: usize) -> u64 {
    rows.div_ceil(d.max_params() / columns) as u64
}

pub async fn save_all_uses_as_few_statements_as_the_parameter_limit_allows(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let pool = db.connect(db.fresh_config()).await.expect("pool");
    let before = pool.pool().metrics().statements;
    let saved = pool.repo::<Member>().save_all(&members(10_000)).await.expect("save_all");
    let used = pool.pool().metrics().statements - before;
    let d = db.dialect();
    let cols = Member::COLUMNS.len();
    assert_eq!(used, statements_needed(d, 10_000, cols) + statements_needed(d, 10_000, cols + 4));
    assert_eq!(saved.len(), 10_000);
    assert!(saved.iter().all(|m| m.version == 1 && !m.id.is_nil()));
    assert_eq!(saved[1234].name, "member 1234", "returned in the order given");
    assert_eq!(db.count_rows("members").await, 10_000);
    assert_eq!(db.count_rows("members_history").await, 10_000);
    assert_eq!(
        db.repo::<Member>().get(saved[9_999].id).await.expect("get").as_ref(),
        Some(&saved[9_999])
    );
}

pub async fn save_all_failing_in_the_middle_leaves_nothing(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let mut batch = members(10_000);
    let twin = Uuid::new_v4();
    batch[0].id = twin;
    batch[9_999].id = twin; // the same key again, in the last statement
    let e = db.repo::<Member>().save_all(&batch).await.expect_err("duplicate key");
    assert_eq!(e.kind(), dal::ErrorKind::Constraint, "{e}");
    assert_eq!(db.count_rows("members").await, 0, "no row is left behind");
    assert_eq!(db.count_rows("members_history").await, 0, "no history row is left behind");
}

pub async fn save_all_mixes_inserts_and_updates(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let repo = db.repo::<Member>();
    let existing = repo.save(&Member::new("old")).await.expect("save");
    let renamed = Member { name: "renamed".into(), ..existing.clone() };
    let saved = repo
        .save_all(&[Member::new("new one"), renamed, Member::new("new two")])
        .await
        .expect("save_all");
    let summary: Vec<(&str, i64)> = saved.iter().map(|m| (m.name.as_str(), m.version)).collect();
    assert_eq!(summary, [("new one", 1), ("renamed", 2), ("new two", 1)]);
    assert_eq!(db.count_rows("members").await, 3);
    assert_eq!(db.count_rows("members_history").await, 4);
}

/// Database-assigned ids come back for every row of a multi-row insert: on PostgreSQL from the
/// identity's sequence before the insert, elsewhere from the insert itself.
pub async fn save_all_gives_database_assigned_ids_in_few_statements(db: &TestDb) {
    db.ensure_schema::<Entry>().await.expect("schema");
    let repo = db.repo::<Entry>();
    let first = repo.save(&Entry::new("before")).await.expect("save one");
    let pool = db.connect(db.fresh_config()).await.expect("pool");
    let before = pool.pool().metrics().statements;
    let batch: Vec<Entry> = (0..2_500).map(|i| Entry::new(&format!("entry {i}"))).collect();
    let saved = pool.repo::<Entry>().save_all(&batch).await.expect("save_all");
    let used = pool.pool().metrics().statements - before;
    let d = db.dialect();
    let cols = Entry::COLUMNS.len();
    // The rows (PostgreSQL: after one statement that takes the ids; MariaDB: after one that
    // reads how InnoDB numbers them), then the history rows.
    let extra = if d == Dialect::Sqlite { 0 } else { 1 };
    assert_eq!(
        used,
        extra + statements_needed(d, 2_500, cols) + statements_needed(d, 2_500, cols + 4)
    );
    let ids: std::collections::BTreeSet<i64> = saved.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), 2_500, "every row has an id of its own");
    assert!(ids.iter().all(|id| *id > first.id));
    let stored: Vec<(i64, String)> =
        db.query("SELECT id, text FROM entries").fetch_all_as().await.expect("rows");
    let stored: std::collections::BTreeMap<i64, String> = stored.into_iter().collect();
    for e in &saved {
        assert_eq!(stored.get(&e.id), Some(&e.text), "entry {} has the id of its own row", e.text);
        assert_eq!(e.version, 1);
    }
    let history = repo.history(saved[1_234].id).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].entity, saved[1_234], "the history row has the same id");
    let later = repo.save(&Entry::new("after")).await.expect("save one more");
    assert!(later.id > *ids.last().expect("ids"), "the sequence moved past the batch");
}
