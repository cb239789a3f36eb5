//! Versions, optimistic locking, timestamps, soft delete and history — each checked in the
//! table and in the history table, not only in the returned value.

use dal::ErrorKind;
use dal::entity::{Change, Operation};
use dal::types::Uuid;
use tests::TestDb;

use crate::entities::{Member, MemberPatch, Person};

/// (version, operation, changed_by, comment) of every history row of `id`, oldest first,
/// read with plain SQL.
async fn history_rows(db: &TestDb, id: Uuid) -> Vec<(i64, String, Option<String>, Option<String>)> {
    db.query("SELECT version, operation, changed_by, comment FROM members_history WHERE id = ? ORDER BY version")
        .bind(id)
        .fetch_all_as()
        .await
        .expect("history rows")
}

async fn stored_version(db: &TestDb, id: Uuid) -> Option<i64> {
    let row: Option<(i64,)> = db
        .query("SELECT version FROM members WHERE id = ?")
        .bind(id)
        .fetch_optional_as()
        .await
        .expect("row");
    row.map(|(v,)| v)
}

pub async fn save_sets_version_and_timestamps_and_writes_history(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let first = members.save(&Member::new("ann")).await.expect("insert");
    assert_eq!(first.version, 1);
    assert_eq!(first.created_at, first.updated_at);
    assert!(first.created_at > dal::types::DateTime::UNIX_EPOCH);
    assert_eq!(
        members.get(first.id).await.expect("get"),
        Some(first.clone()),
        "timestamps read back equal"
    );

    let change = Change::by("admin-7").comment("corrected the name");
    let second = members
        .save_with(&Member { name: "anne".into(), ..first.clone() }, change)
        .await
        .expect("update");
    assert_eq!(second.version, 2);
    assert_eq!(second.created_at, first.created_at, "created_at never moves");
    assert!(second.updated_at >= first.updated_at);
    assert_eq!(stored_version(db, first.id).await, Some(2));
    assert_eq!(
        history_rows(db, first.id).await,
        vec![
            (1, "insert".into(), None, None),
            (2, "update".into(), Some("admin-7".into()), Some("corrected the name".into()))
        ]
    );
}

pub async fn stale_save_is_a_conflict_naming_both_versions(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let v1 = members.save(&Member::new("bo")).await.expect("insert");
    let v2 = members.save(&Member { name: "bob".into(), ..v1.clone() }).await.expect("update");
    let e = members.save(&Member { name: "robert".into(), ..v1.clone() }).await.expect_err("stale");
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(!e.is_retryable());
    let message = e.to_string();
    for part in ["Member", &v1.id.to_string(), "version 1", "version 2"] {
        assert!(message.contains(part), "{part} missing in: {message}");
    }
    assert_eq!(members.get(v1.id).await.expect("get"), Some(v2), "the stale save wrote nothing");
    assert_eq!(history_rows(db, v1.id).await.len(), 2);
}

pub async fn unchanged_save_writes_no_version(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let saved = members.save(&Member::new("cy")).await.expect("insert");
    let again = members.save(&saved).await.expect("same values");
    assert_eq!(again, saved);
    assert_eq!(stored_version(db, saved.id).await, Some(1));
    assert_eq!(history_rows(db, saved.id).await.len(), 1);
}

pub async fn soft_delete_hides_restore_brings_back_and_history_outlives_the_row(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let saved = members.save(&Member::new("di")).await.expect("insert");
    assert!(members.delete(saved.id).await.expect("delete"));
    assert!(!members.delete(saved.id).await.expect("delete again"), "already deleted");
    assert_eq!(members.get(saved.id).await.expect("get"), None, "reads skip deleted rows");
    let deleted =
        members.get_including_deleted(saved.id).await.expect("get").expect("still stored");
    assert!(deleted.deleted_at.is_some());
    assert_eq!(deleted.version, 2);
    let flagged: Vec<(i64,)> = db
        .query("SELECT version FROM members WHERE id = ? AND deleted_at IS NOT NULL")
        .bind(saved.id)
        .fetch_all_as()
        .await
        .expect("row");
    assert_eq!(flagged, vec![(2,)], "the row is marked, not removed");

    assert!(members.restore(saved.id).await.expect("restore"));
    let restored = members.get(saved.id).await.expect("get").expect("live again");
    assert_eq!((restored.version, restored.deleted_at), (3, None));

    assert!(members.delete_permanently(saved.id).await.expect("purge"));
    assert_eq!(members.get_including_deleted(saved.id).await.expect("get"), None);
    let ops: Vec<String> = history_rows(db, saved.id).await.into_iter().map(|r| r.1).collect();
    assert_eq!(ops, vec!["insert", "delete", "restore"], "the history stays");

    db.ensure_schema::<Person>().await.expect("schema");
    let e = db.repo::<Person>().delete(Uuid::new_v4()).await.expect_err("no soft delete");
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
}

pub async fn history_and_at_version_travel_back(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let v1 = members.save(&Member::new("eve")).await.expect("insert");
    let v2 = members.save(&Member { age: Some(30), ..v1.clone() }).await.expect("v2");
    let v3 = members.save(&Member { age: Some(31), ..v2.clone() }).await.expect("v3");
    assert_eq!(members.at_version(v1.id, 1).await.expect("v1"), Some(v1.clone()));
    assert_eq!(members.at_version(v1.id, 2).await.expect("v2"), Some(v2.clone()));
    assert_eq!(members.at_version(v1.id, 9).await.expect("none"), None);
    let log = members.history(v1.id).await.expect("history");
    let summary: Vec<(i64, Operation)> = log.iter().map(|h| (h.version, h.operation)).collect();
    assert_eq!(
        summary,
        vec![(1, Operation::Insert), (2, Operation::Update), (3, Operation::Update)]
    );
    assert_eq!(log[2].entity, v3);
    let e = db.repo::<Person>().history(Uuid::new_v4()).await.expect_err("no history");
    assert_eq!(e.kind(), ErrorKind::Usage);
}

pub async fn concurrent_updates_lose_nothing(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let start = db.repo::<Member>().save(&Member::new("race")).await.expect("insert");
    let pool = db.connect(db.fresh_config()).await.expect("pool");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let members = pool.repo::<Member>();
                let current = members.get(start.id).await.expect("read").expect("exists");
                members.save(&Member { name: format!("writer {i}"), ..current }).await
            })
        })
        .collect();
    let mut wins = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(saved) => wins.push(saved),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Conflict, "losers get the conflict error: {e}")
            }
        }
    }
    assert!(!wins.is_empty());
    let mut versions: Vec<i64> = wins.iter().map(|w| w.version).collect();
    versions.sort();
    versions.dedup();
    assert_eq!(versions.len(), wins.len(), "every success has its own version");
    let history: Vec<i64> = history_rows(db, start.id).await.into_iter().map(|r| r.0).collect();
    assert_eq!(
        history,
        (1..=1 + wins.len() as i64).collect::<Vec<_>>(),
        "versions are contiguous from 1"
    );
    let last = wins.iter().max_by_key(|w| w.version).expect("a winner");
    assert_eq!(db.repo::<Member>().get(start.id).await.expect("get").as_ref(), Some(last));
}

pub async fn patch_changes_only_the_given_fields(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let saved =
        members.save(&Member { age: Some(20), ..Member::new("fay") }).await.expect("insert");
    let patched = members
        .patch(saved.id, MemberPatch { age: Some(Some(21)), ..Default::default() })
        .await
        .expect("patch")
        .expect("row exists");
    assert_eq!((patched.name.as_str(), patched.age, patched.version), ("fay", Some(21), 2));
    let row: (String, Option<i32>, i64) = db
        .query("SELECT name, age, version FROM members WHERE id = ?")
        .bind(saved.id)
        .fetch_one_as()
        .await
        .expect("row");
    assert_eq!(row, ("fay".to_string(), Some(21), 2));
    // A patch that sets what is already there writes nothing.
    let same = members
        .patch(saved.id, MemberPatch { age: Some(Some(21)), ..Default::default() })
        .await
        .expect("patch");
    assert_eq!(same.map(|m| m.version), Some(2));
    assert_eq!(history_rows(db, saved.id).await.len(), 2);
    let missing = members.patch(Uuid::new_v4(), MemberPatch::default()).await.expect("patch");
    assert_eq!(missing, None);
}

pub async fn as_of_diff_revert_and_purge_history(db: &TestDb) {
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let v1 = members.save(&Member::new("gil")).await.expect("v1");
    let between = v1.updated_at;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let v2 = members
        .save(&Member { name: "gill".into(), age: Some(40), ..v1.clone() })
        .await
        .expect("v2");
    assert_eq!(members.as_of(v1.id, between).await.expect("as of").map(|m| m.version), Some(1));
    assert_eq!(
        members.as_of(v1.id, v2.updated_at).await.expect("as of").map(|m| m.version),
        Some(2)
    );
    let before_all = v1.created_at - chrono_seconds(1);
    assert_eq!(members.as_of(v1.id, before_all).await.expect("as of"), None);

    let changes = members.diff(v1.id, 1, 2).await.expect("diff");
    let columns: Vec<&str> = changes.iter().map(|c| c.column).collect();
    assert_eq!(columns, ["name", "age"], "version and timestamps are not listed");
    assert_eq!(changes[0].before, dal::types::Value::Text("gil".into()));
    assert_eq!(changes[0].after, dal::types::Value::Text("gill".into()));
    assert_eq!(members.diff(v1.id, 1, 7).await.expect_err("no v7").kind(), ErrorKind::NotFound);

    let v3 = members.revert_to(v1.id, 1).await.expect("revert");
    assert_eq!((v3.name.as_str(), v3.age, v3.version), ("gil", None, 3));
    let last = members.history(v1.id).await.expect("history").pop().expect("entry");
    assert_eq!(
        (last.operation, last.comment.as_deref()),
        (Operation::Update, Some("revert to version 1"))
    );

    let purged = members.purge_history_before(v2.updated_at).await.expect("purge");
    assert_eq!(purged, 1, "only version 1 was older");
    let left: Vec<i64> = history_rows(db, v1.id).await.into_iter().map(|r| r.0).collect();
    assert_eq!(left, [2, 3]);
}

fn chrono_seconds(n: i64) -> dal::types::Duration {
    dal::types::Duration::seconds(n)
}
