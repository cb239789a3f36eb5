//! Typed queries on generated column constants: filters, ordering, paging, count, exists,
//! streams, soft-delete awareness, and values that are always bound.

use dal::entity::Filter;
use dal::types::IntoValue;
use dal::{Backend, ErrorKind};
use futures_util::StreamExt;
use tests::TestDb;

use crate::entities::{Member, Person};

async fn people(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("schema");
    let repo = db.repo::<Person>();
    for (name, age) in
        [("ada", Some(36)), ("bob", Some(17)), ("cy", None), ("dee", Some(52)), ("eve", Some(36))]
    {
        repo.save(&Person::new(name, age)).await.expect("seed");
    }
}

fn names(found: &[Person]) -> Vec<&str> {
    found.iter().map(|p| p.name.as_str()).collect()
}

pub async fn find_filters_orders_and_pages(db: &TestDb) {
    people(db).await;
    let repo = db.repo::<Person>();
    let adults = repo
        .find()
        .filter(Person::AGE.ge(18))
        .order_by(Person::NAME.asc())
        .all()
        .await
        .expect("find");
    assert_eq!(names(&adults), ["ada", "dee", "eve"]);
    let by_age = repo
        .find()
        .filter(Person::AGE.is_not_null())
        .order_by(Person::AGE.desc())
        .order_by(Person::NAME.desc())
        .all()
        .await
        .expect("find");
    assert_eq!(names(&by_age), ["dee", "eve", "ada", "bob"]);
    let page =
        repo.find().order_by(Person::NAME.asc()).limit(2).offset(1).all().await.expect("page");
    assert_eq!(names(&page), ["bob", "cy"]);
    let rest = repo.find().order_by(Person::NAME.asc()).offset(3).all().await.expect("offset only");
    assert_eq!(names(&rest), ["dee", "eve"]);
    let first = repo.find().filter(Person::EMAIL.eq("eve@example.com")).one().await.expect("one");
    assert_eq!(first.map(|p| p.name), Some("eve".to_string()));
}

pub async fn find_combines_conditions(db: &TestDb) {
    people(db).await;
    let repo = db.repo::<Person>();
    let run = |f: Filter| async move {
        let found = db.repo::<Person>().find().filter(f).order_by(Person::NAME.asc()).all().await;
        names(&found.expect("find")).into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(run(Person::NAME.eq("ada").or(Person::AGE.lt(18))).await, ["ada", "bob"]);
    assert_eq!(run(Person::AGE.between(30, 40).and(Person::NAME.ne("ada"))).await, ["eve"]);
    assert_eq!(run(!Person::NAME.is_in(["ada", "bob", "cy"])).await, ["dee", "eve"]);
    assert_eq!(run(Person::NAME.is_in(Vec::<&str>::new())).await, Vec::<String>::new());
    assert_eq!(run(Person::AGE.is_null()).await, ["cy"]);
    assert_eq!(run(Person::NAME.like("%e%")).await, ["dee", "eve"]);
    let raw = Filter::raw("age > ? OR name = ?", [50.into_value(), "cy".into_value()]);
    assert_eq!(run(raw).await, ["cy", "dee"]);
    assert_eq!(repo.count().await.expect("count"), 5);
    assert_eq!(repo.find().filter(Person::AGE.eq(36)).count().await.expect("count"), 2);
    assert!(repo.find().filter(Person::NAME.eq("dee")).exists().await.expect("exists"));
    assert!(!repo.find().filter(Person::NAME.eq("zed")).exists().await.expect("exists"));
    let e = repo
        .find()
        .filter(Filter::raw("age > ?", Vec::<i32>::new()))
        .all()
        .await
        .expect_err("count");
    assert_eq!(e.kind(), ErrorKind::Parameters);
}

pub async fn find_streams_rows(db: &TestDb) {
    people(db).await;
    let stream = db
        .repo::<Person>()
        .find()
        .filter(Person::AGE.is_not_null())
        .order_by(Person::AGE.asc())
        .stream();
    let ages: Vec<Option<i32>> = stream.map(|p| p.expect("row").age).collect().await;
    assert_eq!(ages, [Some(17), Some(36), Some(36), Some(52)]);
}

/// Two members, "kept" and "gone", the second soft-deleted.
async fn kept_and_gone(db: &TestDb) -> (Member, Member) {
    db.ensure_schema::<Member>().await.expect("schema");
    let members = db.repo::<Member>();
    let kept = members.save(&Member::new("kept")).await.expect("save");
    let gone = members.save(&Member::new("gone")).await.expect("save");
    members.delete(gone.id).await.expect("delete");
    (kept, gone)
}

pub async fn find_skips_soft_deleted_rows_unless_asked(db: &TestDb) {
    let (kept, gone) = kept_and_gone(db).await;
    let members = db.repo::<Member>();
    let live = members.find().all().await.expect("live");
    assert_eq!(live.iter().map(|m| m.id).collect::<Vec<_>>(), [kept.id]);
    assert_eq!(members.count().await.expect("count"), 1);
    let all =
        members.find().include_deleted().order_by(Member::NAME.asc()).all().await.expect("all");
    assert_eq!(all.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["gone", "kept"]);
    assert!(!members.find().filter(Member::ID.eq(gone.id)).exists().await.expect("exists"));
}

pub async fn filter_values_are_bound_never_spliced(db: &TestDb) {
    people(db).await;
    let repo = db.repo::<Person>();
    let hostile = [
        "ada' OR '1'='1",
        "x'; DROP TABLE people; --",
        "what? ?? ?",
        "\"ada\"",
        "ada; DELETE FROM people",
        "-- ada",
        "/* ada */",
    ];
    for value in hostile {
        let found =
            repo.find().filter(Person::NAME.eq(value)).all().await.expect("a plain comparison");
        assert!(found.is_empty(), "{value} matched rows: it was not treated as a value");
        let saved = repo.save(&Person::new(value, None)).await.expect("stored as given");
        let back =
            repo.find().filter(Person::NAME.eq(value)).one().await.expect("find").expect("row");
        assert_eq!((back.id, back.name.as_str()), (saved.id, value));
        let raw = repo.find().filter(Filter::raw("name = ?", [value])).count().await.expect("raw");
        assert_eq!(raw, 1);
    }
    assert_eq!(repo.count().await.expect("the table is intact"), 5 + hostile.len() as i64);
}

/// Raw filters that could drop the soft-delete condition dal appends, or lift the filter out
/// from under it, are refused before anything is sent, by every way of running the query.
pub async fn raw_filters_that_could_escape_the_soft_delete_check_are_refused(db: &TestDb) {
    kept_and_gone(db).await;
    let members = db.repo::<Member>();
    let mut escaping = vec![
        "name = ? --",
        "name = ? -- the rest is a comment",
        "name = ?) OR (1 = 1",
        "(name = ?",
        "name = ?; DELETE FROM members",
    ];
    if db.backend() == Backend::MySql {
        escaping.extend(["name = ? # a comment", "name = ? /*! ) OR (1 = 1 */"]);
    }
    let refused = |e: dal::Error, sql: &str| {
        assert_eq!(e.kind(), ErrorKind::Usage, "{sql}: {e}");
        assert!(e.to_string().contains("soft-delete"), "{sql}: {e}");
    };
    for sql in escaping {
        let find = || members.find().filter(Filter::raw(sql, ["gone"]));
        refused(find().all().await.expect_err("all"), sql);
        refused(find().count().await.expect_err("count"), sql);
        refused(find().exists().await.expect_err("exists"), sql);
        refused(find().one().await.expect_err("one"), sql);
    }
    let open = members.find().filter(Filter::raw("name = ? /* never closed", ["gone"])).all();
    assert_eq!(open.await.expect_err("unterminated").kind(), ErrorKind::Parameters);
    let all = members.find().include_deleted().count().await.expect("the table is intact");
    assert_eq!(all, 2);
}

/// A self-contained raw filter is kept as one condition: the soft-delete check still applies
/// to all of it, even to an `OR` and a comment on a line of its own.
pub async fn a_raw_filter_keeps_the_soft_delete_check(db: &TestDb) {
    let (kept, _) = kept_and_gone(db).await;
    let members = db.repo::<Member>();
    let either = || Filter::raw("name = ? OR name = ? -- both names\n", ["gone", "kept"]);
    let found = members.find().filter(either()).all().await.expect("find");
    assert_eq!(found.iter().map(|m| m.id).collect::<Vec<_>>(), [kept.id]);
    assert_eq!(members.find().filter(either()).count().await.expect("count"), 1);
    let odd = Filter::raw("(name = ? OR name = ')') AND name <> ';'", ["gone"]);
    assert!(!members.find().filter(odd).exists().await.expect("exists"), "gone is deleted");
    let both = members.find().include_deleted().filter(either()).count().await.expect("count");
    assert_eq!(both, 2, "asked for deleted rows, both match");
}
