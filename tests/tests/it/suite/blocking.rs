//! `dal::blocking`: the same CRUD without an async runtime.

use dal::ErrorKind;
use dal::blocking;
use dal::types::Uuid;
use tests::TestDb;

use crate::entities::Person;

fn crud(config: dal::DbConfig) {
    let db = blocking::Database::connect(config).expect("connect");
    db.ensure_schema::<Person>().expect("schema");
    let people = db.repo::<Person>();
    let saved = people.save(&Person::new("bo", Some(5))).expect("insert");
    assert!(!saved.id.is_nil());
    assert_eq!(people.get(saved.id).expect("get"), Some(saved.clone()));
    let older = people.save(&Person { age: Some(6), ..saved.clone() }).expect("update");
    assert_eq!(people.get(saved.id).expect("get"), Some(older));
    let tx = db.begin().expect("begin");
    tx.repo::<Person>().save(&Person::new("undone", None)).expect("save in tx");
    drop(tx);
    let names: Vec<(String,)> =
        db.query("SELECT name FROM people ORDER BY name").fetch_all_as().expect("names");
    assert_eq!(names, vec![("bo".to_string(),)], "the dropped transaction rolled back");
    assert!(people.delete_permanently(saved.id).expect("delete"));
    assert_eq!(people.get(saved.id).expect("get"), None);
    assert_eq!(people.get(Uuid::new_v4()).expect("get"), None);
    let info = db.server_info().expect("info");
    assert!(!info.version.is_empty());
    if db.backend() == dal::Backend::Sqlite {
        assert_eq!(info.driver, "rusqlite", "blocking SQLite runs on the rusqlite driver");
    }
}

pub async fn blocking_api_does_the_same_crud(db: &TestDb) {
    let config = db.fresh_config();
    // A plain thread: no async runtime around the blocking calls.
    std::thread::spawn(move || crud(config)).join().expect("blocking CRUD passed");
}

pub async fn blocking_api_refuses_inside_an_async_runtime(db: &TestDb) {
    assert!(dal::blocking::in_tokio_runtime());
    let e = blocking::Database::connect(db.fresh_config()).expect_err("inside a runtime");
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(e.to_string().contains("use the async API"), "{e}");
}
