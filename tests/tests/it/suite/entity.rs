//! Typed CRUD through `#[derive(Entity)]` and `Repo`.

use dal::types::{DateTime, Decimal, NaiveDate, NaiveTime, Utc, Uuid};
use serde_json::json;
use tests::TestDb;

use crate::entities::{AllTypes, AllTypesId, Label, Note, Person, Priority, Status, Ticket};

pub async fn save_new_entity_generates_uuid_and_get_reads_it_back(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("schema");
    let users = db.repo::<Person>();
    let saved = users.save(&Person::new("ada", Some(36))).await.expect("save");
    assert!(!saved.id.is_nil(), "a nil id is replaced on first save");
    assert_eq!(saved.id.get_version_num(), 7, "ids are UUID v7");
    assert_eq!(users.get(saved.id).await.expect("get"), Some(saved.clone()));
    // The row itself holds what was saved.
    let row = db
        .query("SELECT name, email_address, age FROM people WHERE id = ?")
        .bind(saved.id)
        .fetch_one()
        .await
        .expect("row exists");
    assert_eq!(row.get::<String>("name").expect("name"), "ada");
    assert_eq!(row.get::<String>(1).expect("email"), "ada@example.com");
    assert_eq!(row.get::<Option<i32>>(2).expect("age"), Some(36));
}

pub async fn save_existing_entity_updates_the_row(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("schema");
    let users = db.repo::<Person>();
    let saved = users.save(&Person::new("bob", None)).await.expect("insert");
    let changed = Person { name: "robert".into(), age: Some(40), ..saved.clone() };
    let updated = users.save(&changed).await.expect("update");
    assert_eq!(updated, changed);
    assert_eq!(users.get(saved.id).await.expect("get"), Some(changed));
    assert_eq!(db.count_rows("people").await, 1, "an update adds no row");
}

pub async fn save_with_preset_uuid_inserts_when_missing(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("schema");
    let users = db.repo::<Person>();
    let id = Uuid::new_v4();
    let saved = users.save(&Person { id, ..Person::new("cy", None) }).await.expect("save");
    assert_eq!(saved.id, id, "a preset id is kept");
    assert_eq!(users.get(id).await.expect("get").map(|p| p.name), Some("cy".into()));
}

pub async fn database_assigns_integer_ids(db: &TestDb) {
    db.ensure_schema::<Ticket>().await.expect("schema");
    let tickets = db.repo::<Ticket>();
    let a = tickets
        .save(&Ticket { id: 0, title: "first".into(), scratch: String::new() })
        .await
        .expect("a");
    let b = tickets
        .save(&Ticket { id: 0, title: "second".into(), scratch: String::new() })
        .await
        .expect("b");
    assert!(a.id > 0 && b.id > a.id, "ids {} then {}", a.id, b.id);
    assert_eq!(tickets.get(b.id).await.expect("get"), Some(b.clone()));
    let renamed = tickets.save(&Ticket { title: "2nd".into(), ..b.clone() }).await.expect("update");
    assert_eq!(renamed.id, b.id);
    assert_eq!(db.count_rows("ticket").await, 2);
    // A skipped field is not stored: it reads back as its default.
    let noted = tickets
        .save(&Ticket { scratch: "kept in memory only".into(), ..renamed })
        .await
        .expect("save");
    assert_eq!(noted.scratch, "kept in memory only");
    assert_eq!(tickets.get(noted.id).await.expect("get").map(|t| t.scratch), Some(String::new()));
}

pub async fn get_of_missing_id_is_none(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("schema");
    assert_eq!(db.repo::<Person>().get(Uuid::new_v4()).await.expect("get"), None);
}

pub async fn delete_permanently_removes_only_that_row(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("schema");
    let users = db.repo::<Person>();
    let keep = users.save(&Person::new("keep", None)).await.expect("keep");
    let gone = users.save(&Person::new("gone", None)).await.expect("gone");
    assert!(users.delete_permanently(gone.id).await.expect("delete"));
    assert!(
        !users.delete_permanently(gone.id).await.expect("delete again"),
        "nothing left to delete"
    );
    assert_eq!(users.get(gone.id).await.expect("get"), None);
    assert_eq!(users.get(keep.id).await.expect("get"), Some(keep));
    assert_eq!(db.count_rows("people").await, 1);
}

fn micros(at: &str) -> DateTime<Utc> {
    at.parse().expect("valid timestamp")
}

pub async fn every_supported_type_round_trips(db: &TestDb) {
    db.ensure_schema::<AllTypes>().await.expect("schema");
    let repo = db.repo::<AllTypes>();
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("leap day");
    let full = AllTypes {
        id: AllTypesId(Uuid::nil()),
        b: true,
        small: i16::MIN,
        int: i32::MAX,
        big: i64::MIN,
        float: 1.5,
        double: -0.000_123_456_789,
        text: "héllo 'quoted' \"double\" ? -- ; 🦀".into(),
        uuid: Uuid::new_v4(),
        at: micros("1999-12-31T23:59:59.123456Z"),
        date,
        local: date.and_hms_micro_opt(13, 14, 15, 999_999).expect("time"),
        json: json!({"a": [1, 2.5, null, "x"], "b": {"nested": true}}),
        bytes: vec![0, 1, 2, 255, 0],
        maybe_b: Some(false),
        maybe_small: Some(i16::MAX),
        maybe_int: Some(i32::MIN),
        maybe_big: Some(i64::MAX),
        maybe_float: Some(-2.25),
        maybe_double: Some(1e300),
        maybe_text: Some(String::new()),
        maybe_uuid: Some(Uuid::nil()),
        maybe_at: Some(micros("2038-01-19T03:14:08Z")),
        maybe_date: Some(NaiveDate::from_ymd_opt(1000, 1, 1).expect("date")),
        maybe_local: Some(date.and_hms_opt(0, 0, 0).expect("midnight")),
        maybe_json: Some(json!([])),
        maybe_bytes: Some(Vec::new()),
        status: Status::Shipped,
        priority: Priority::Low,
        label: Label("l'abel".into()),
        maybe_status: Some(Status::PendingPayment),
        maybe_priority: Some(Priority::Urgent),
        maybe_label: Some(Label(String::new())),
        count: u32::MAX,
        time: NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time"),
        maybe_time: Some(NaiveTime::MIN),
        amount: Decimal::MIN,
        maybe_price: Some(Decimal::new(-999_999_999_999_999_999, 4)),
        note: dal::Json(Note {
            title: "ü'\\".into(), stars: Some(5), weights: vec![0.1, -2.5e10]
        }),
        maybe_tags: Some(dal::Json(vec!["a".into(), String::new()])),
    };
    let saved = repo.save(&full).await.expect("save all values");
    assert_eq!(repo.get(saved.id).await.expect("get"), Some(saved.clone()));

    let empty = AllTypes {
        maybe_b: None,
        maybe_small: None,
        maybe_int: None,
        maybe_big: None,
        maybe_float: None,
        maybe_double: None,
        maybe_text: None,
        maybe_uuid: None,
        maybe_at: None,
        maybe_date: None,
        maybe_local: None,
        maybe_json: None,
        maybe_bytes: None,
        maybe_status: None,
        maybe_priority: None,
        maybe_label: None,
        maybe_time: None,
        maybe_price: None,
        maybe_tags: None,
        ..full.clone()
    };
    let id = AllTypesId(Uuid::new_v4());
    let saved = repo.save(&AllTypes { id, ..empty }).await.expect("save nulls");
    assert_eq!(repo.get(id).await.expect("get"), Some(saved));
}

pub async fn ensure_schema_is_idempotent(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("first");
    let saved = db.repo::<Person>().save(&Person::new("dee", None)).await.expect("save");
    db.ensure_schema::<Person>().await.expect("second call changes nothing");
    assert_eq!(db.repo::<Person>().get(saved.id).await.expect("get"), Some(saved));
}

pub async fn ensure_schema_reports_drift_by_column(db: &TestDb) {
    let (id, text) = match db.backend() {
        dal::Backend::Postgres => ("UUID", "TEXT"),
        dal::Backend::MySql => ("CHAR(36)", "LONGTEXT"),
        dal::Backend::Sqlite => ("TEXT", "TEXT"),
    };
    let ddl =
        format!("CREATE TABLE people (id {id} PRIMARY KEY, name INTEGER, email_address {text})");
    db.query(&ddl).execute().await.expect("an older table");
    let e = db.ensure_schema::<Person>().await.expect_err("drift");
    assert_eq!(e.kind(), dal::ErrorKind::Schema, "{e}");
    let message = e.to_string();
    assert!(message.contains("missing columns: age"), "{message}");
    assert!(
        message.contains(&format!("columns of another type: name ({text} expected")),
        "{message}"
    );
    assert!(!message.contains("email_address"), "matching columns are not listed: {message}");
}

/// README: "a `NULL` read into a non-`Option` field is an `ErrorKind::Decode` error on every
/// backend", through a tuple, a row getter and an entity alike.
pub async fn null_into_a_non_option_field_is_a_decode_error(db: &TestDb) {
    db.query("CREATE TABLE loose (id BIGINT, body TEXT)").execute().await.expect("create");
    db.query("INSERT INTO loose (id, body) VALUES (1, NULL)").execute().await.expect("insert");
    let e = db
        .query("SELECT id, body FROM loose")
        .fetch_all_as::<(i64, String)>()
        .await
        .expect_err("NULL into String");
    assert_eq!(e.kind(), dal::ErrorKind::Decode, "{e}");
    let row = db.query("SELECT id, body FROM loose").fetch_one().await.expect("row");
    assert_eq!(row.get::<String>(1).expect_err("NULL into String").kind(), dal::ErrorKind::Decode);
    assert_eq!(row.get::<Option<String>>(1).expect("NULL into Option"), None);
    db.ensure_schema::<Person>().await.expect("schema");
    db.repo::<Person>().save(&Person::new("eve", Some(3))).await.expect("save");
    let e = db
        .query("SELECT id, CASE WHEN 1 = 0 THEN name END AS name, email_address, age FROM people")
        .fetch_all_as::<Person>()
        .await
        .expect_err("NULL into the entity's String field");
    assert_eq!(e.kind(), dal::ErrorKind::Decode, "{e}");
}

/// README: MariaDB's text columns are `utf8mb4_bin`, "case-sensitive, like the others": an
/// equality on a generated text column matches the exact case only, on every backend.
pub async fn text_comparison_is_case_sensitive(db: &TestDb) {
    db.ensure_schema::<Person>().await.expect("schema");
    let people = db.repo::<Person>();
    people.save(&Person::new("Eve", None)).await.expect("save");
    let count = |name: &'static str| {
        let people = db.repo::<Person>();
        async move { people.find().filter(Person::NAME.eq(name)).count().await.expect("count") }
    };
    assert_eq!(count("Eve").await, 1);
    assert_eq!(count("eve").await, 0, "an equality ignored case");
    assert_eq!(count("EVE").await, 0, "an equality ignored case");
    let raw: i64 = db
        .query("SELECT COUNT(*) FROM people WHERE name = ?")
        .bind("eVE")
        .fetch_one()
        .await
        .expect("count")
        .get(0)
        .expect("int");
    assert_eq!(raw, 0, "a raw equality ignored case");
}
