//! `#[derive(dal::Value)]` on fieldless enums: stored as text or as their discriminants, read
//! back and filtered by; the column's CHECK refuses any other value, and a value no variant is
//! stored as (written before the CHECK existed, say) is a Decode error naming column and value.

use dal::{Backend, Entity, ErrorKind};
use tests::TestDb;

use crate::entities::{Priority, Status};

#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "shipments")]
pub struct Shipment {
    #[dal(id)]
    pub id: i64,
    pub status: Status,
    pub priority: Priority,
    pub previous: Option<Status>,
}

/// The same columns in a table created by hand, without the CHECKs.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "legacy_shipments")]
pub struct LegacyShipment {
    #[dal(id)]
    pub id: i64,
    pub status: Status,
    pub priority: Priority,
}

fn shipment(status: Status, priority: Priority, previous: Option<Status>) -> Shipment {
    Shipment { id: 0, status, priority, previous }
}

pub async fn enums_round_trip_and_filter_by_their_values(db: &TestDb) {
    db.ensure_schema::<Shipment>().await.expect("schema");
    db.ensure_schema::<Shipment>().await.expect("the CHECKs and enum columns are no drift");
    let repo = db.repo::<Shipment>();
    let mut saved = Vec::new();
    for s in [
        shipment(Status::Draft, Priority::Normal, None),
        shipment(Status::PendingPayment, Priority::Urgent, Some(Status::Draft)),
        shipment(Status::Shipped, Priority::Low, Some(Status::PendingPayment)),
        shipment(Status::PendingPayment, Priority::Low, None),
    ] {
        saved.push(repo.save(&s).await.expect("save"));
    }
    for s in &saved {
        assert_eq!(repo.get(s.id).await.expect("get").as_ref(), Some(s));
    }
    let ids = |found: Vec<Shipment>| found.into_iter().map(|s| s.id).collect::<Vec<_>>();
    let by = |filter| {
        let repo = db.repo::<Shipment>();
        async move { repo.find().filter(filter).order_by(Shipment::ID.asc()).all().await }
    };
    let pending = by(Shipment::STATUS.eq(Status::PendingPayment)).await.expect("eq");
    assert_eq!(ids(pending), [saved[1].id, saved[3].id]);
    let found = by(Shipment::STATUS.is_in([Status::Draft, Status::Shipped])).await;
    assert_eq!(ids(found.expect("in")), [saved[0].id, saved[2].id]);
    let above_normal = by(Shipment::PRIORITY.gt(Priority::Normal)).await.expect("gt");
    assert_eq!(ids(above_normal), [saved[1].id], "integers compare as their discriminants");
    let found = by(Shipment::PREVIOUS.eq(Status::Draft)).await.expect("nullable eq");
    assert_eq!(ids(found), [saved[1].id]);
    let found = by(Shipment::PREVIOUS.is_null()).await.expect("null");
    assert_eq!(ids(found), [saved[0].id, saved[3].id]);
    let stored: String = db
        .query("SELECT status FROM shipments WHERE id = ?")
        .bind(saved[2].id)
        .fetch_one()
        .await
        .expect("row")
        .get(0)
        .expect("text");
    assert_eq!(stored, "it's shipped", "a renamed variant is stored as its rename");
}

pub async fn the_check_refuses_a_value_no_variant_is_stored_as(db: &TestDb) {
    db.ensure_schema::<Shipment>().await.expect("schema");
    let insert = |id: i64, status: &'static str, priority: i16| {
        db.query("INSERT INTO shipments (id, status, priority, previous) VALUES (?, ?, ?, NULL)")
            .bind(id)
            .bind(status)
            .bind(priority)
            .execute()
    };
    insert(1, "pending_payment", 32767).await.expect("stored values pass the CHECKs");
    for (id, status, priority, what) in [
        (2, "archived", 0, "text no variant is stored as"),
        (3, "Draft", 0, "a variant's name in another case"),
        (4, "draft", 1, "an integer no variant is stored as"),
    ] {
        let e = insert(id, status, priority).await.expect_err(what);
        assert_eq!(e.kind(), ErrorKind::Constraint, "{what}: {e}");
    }
    let e = db
        .query("UPDATE shipments SET previous = ? WHERE id = 1")
        .bind("archived")
        .execute()
        .await
        .expect_err("a nullable enum column has its CHECK too");
    assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
    assert_eq!(db.count_rows("shipments").await, 1);
}

pub async fn an_unknown_stored_value_is_a_decode_error_naming_column_and_value(db: &TestDb) {
    let ddl = match db.backend() {
        Backend::Postgres => {
            "CREATE TABLE legacy_shipments (id BIGINT PRIMARY KEY, status TEXT NOT NULL, priority SMALLINT NOT NULL)"
        }
        Backend::MySql => {
            "CREATE TABLE legacy_shipments (id BIGINT PRIMARY KEY, status LONGTEXT NOT NULL, priority SMALLINT NOT NULL)"
        }
        Backend::Sqlite => {
            "CREATE TABLE legacy_shipments (id INTEGER PRIMARY KEY, status TEXT NOT NULL, priority INTEGER NOT NULL)"
        }
    };
    db.query(ddl).execute().await.expect("a table without the CHECKs");
    db.ensure_schema::<LegacyShipment>().await.expect("same columns, same types: no drift");
    db.query("INSERT INTO legacy_shipments (id, status, priority) VALUES (1, 'draft', 0), (2, 'archived', 0), (3, 'draft', 7)")
        .execute()
        .await
        .expect("insert");
    let repo = db.repo::<LegacyShipment>();
    let known = repo.get(1).await.expect("known values read");
    assert_eq!(
        known,
        Some(LegacyShipment { id: 1, status: Status::Draft, priority: Priority::Normal })
    );
    for (id, column, value) in [(2, "`status`", "`archived`"), (3, "`priority`", "`7`")] {
        let e = repo.get(id).await.expect_err("an unknown value");
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        let message = e.to_string();
        assert!(message.contains(column) && message.contains(value), "{message}");
    }
    let e = repo.find().all().await.expect_err("a list holding an unknown value");
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
}
