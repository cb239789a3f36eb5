//! Random values of every supported type written and read back equal, on every backend
//! (decimals exactly, to the last of 28 digits; times of day to the microsecond); and
//! the values a backend cannot store exactly (NaN, sub-microsecond times), pinned per backend.

use dal::types::{DateTime, Decimal, Json, NaiveDate, NaiveTime, Utc, Uuid};
use dal::{Backend, ErrorKind};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::json;
use tests::TestDb;

use crate::entities::{AllTypes, AllTypesId, Label, Note, Priority, Status};

/// Microsecond timestamps in MySQL's DATETIME range (years 1000 to 9999).
fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    let (lo, hi) = (-30_610_224_000_000_000_i64, 253_402_300_799_000_000_i64);
    (lo..hi).prop_map(|us| DateTime::from_timestamp_micros(us).expect("in range"))
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1000..=9999_i32, 1..=365_u32).prop_map(|(y, d)| NaiveDate::from_yo_opt(y, d).expect("valid"))
}

fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "\\PC{0,20}".prop_map(Json::String),
    ];
    leaf.prop_recursive(3, 400, 20, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..20).prop_map(Json::Array),
            prop::collection::btree_map("[a-z]{1,8}", inner, 0..20)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

/// Times of day with microseconds, what every backend keeps.
fn time() -> impl Strategy<Value = NaiveTime> {
    (0..86_400_u32, 0..1_000_000_u32).prop_map(|(s, us)| {
        NaiveTime::from_num_seconds_from_midnight_opt(s, us * 1000).expect("in range")
    })
}

/// Any `Decimal`: a 96-bit mantissa with a scale of 0 to 28, and the edges.
fn decimal() -> impl Strategy<Value = Decimal> {
    let max = (1_i128 << 96) - 1;
    prop_oneof![
        Just(Decimal::ZERO),
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::new(1, 28)),
        (-max..=max, 0..=28_u32).prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s)),
        (any::<i32>(), 0..=4_u32).prop_map(|(m, s)| Decimal::new(m.into(), s)),
    ]
}

/// What a `NUMERIC(19, 4)` holds: 15 digits before the point, 4 after.
fn price() -> impl Strategy<Value = Decimal> {
    (-999_999_999_999_999_999_i64..=999_999_999_999_999_999).prop_map(|m| Decimal::new(m, 4))
}

fn note() -> impl Strategy<Value = Note> {
    // Quarters: floats whose JSON text every parser reads back to the same bits.
    let weight = (-4000_i32..4000).prop_map(|n| f64::from(n) / 4.0);
    ("\\PC{0,30}", prop::option::of(any::<u8>()), prop::collection::vec(weight, 0..5))
        .prop_map(|(title, stars, weights)| Note { title, stars, weights })
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(any::<u8>(), 60_000..70_000)
    ]
}

fn finite_f32() -> impl Strategy<Value = f32> {
    prop_oneof![Just(0.0_f32), Just(f32::MAX), Just(f32::MIN_POSITIVE), -1e30_f32..1e30]
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0_f64), Just(f64::MAX), Just(f64::MIN_POSITIVE), -1e300_f64..1e300]
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(vec![Status::Draft, Status::PendingPayment, Status::Shipped])
}

fn priority() -> impl Strategy<Value = Priority> {
    prop::sample::select(vec![Priority::Low, Priority::Normal, Priority::Urgent])
}

/// The column types `#[derive(Value)]` makes: enums (text and integer) and a newtype, each
/// also as `Option`.
fn derived()
-> impl Strategy<Value = (Status, Priority, Label, Option<Status>, Option<Priority>, Option<Label>)>
{
    (
        status(),
        priority(),
        "\\PC{0,40}".prop_map(Label),
        prop::option::of(status()),
        prop::option::of(priority()),
        prop::option::of("\\PC{0,40}".prop_map(Label)),
    )
}

fn all_types() -> impl Strategy<Value = AllTypes> {
    let scalars =
        (any::<bool>(), any::<i16>(), any::<i32>(), any::<i64>(), finite_f32(), finite_f64());
    let texts =
        ("\\PC{0,300}", any::<u128>(), timestamp(), date(), timestamp(), json_value(), bytes());
    let options = (
        prop::option::of(any::<i64>()),
        prop::option::of("\\PC{0,50}"),
        prop::option::of(timestamp()),
        prop::option::of(bytes()),
        prop::option::of(finite_f64()),
    );
    let added = (
        any::<u32>(),
        time(),
        prop::option::of(time()),
        decimal(),
        prop::option::of(price()),
        note(),
        prop::option::of(prop::collection::vec("\\PC{0,10}", 0..4)),
    );
    (scalars, texts, options, derived(), added).prop_map(
        |(
            (b, small, int, big, float, double),
            (text, uuid, at, date, local, json, bytes),
            (mb, mt, mat, mby, md),
            (status, priority, label, maybe_status, maybe_priority, maybe_label),
            (count, time, maybe_time, amount, maybe_price, note, maybe_tags),
        )| AllTypes {
            id: AllTypesId(Uuid::nil()),
            b,
            small,
            int,
            big,
            float,
            double,
            text,
            uuid: Uuid::from_u128(uuid),
            at,
            date,
            local: local.naive_utc(),
            json,
            bytes,
            maybe_b: Some(!b),
            maybe_small: None,
            maybe_int: Some(int / 2),
            maybe_big: mb,
            maybe_float: None,
            maybe_double: md,
            maybe_text: mt,
            maybe_uuid: None,
            maybe_at: mat,
            maybe_date: Some(date),
            maybe_local: None,
            maybe_json: Some(json!({"n": small})),
            maybe_bytes: mby,
            status,
            priority,
            label,
            maybe_status,
            maybe_priority,
            maybe_label,
            count,
            time,
            maybe_time,
            amount,
            maybe_price,
            note: dal::Json(note),
            maybe_tags: maybe_tags.map(dal::Json),
        },
    )
}

pub async fn random_values_of_every_type_read_back_equal(db: &TestDb) {
    db.ensure_schema::<AllTypes>().await.expect("schema");
    let repo = db.repo::<AllTypes>();
    let mut runner = TestRunner::default();
    let strategy = all_types();
    for case in 0..40 {
        let value = strategy.new_tree(&mut runner).expect("a case").current();
        let saved = repo
            .save(&value)
            .await
            .unwrap_or_else(|e| panic!("case {case} did not save: {e}\n{value:?}"));
        let back = repo.get(saved.id).await.expect("get").expect("row");
        assert_eq!(back, saved, "case {case} did not read back equal");
    }
}

/// NaN: PostgreSQL stores it; MariaDB refuses it; SQLite stores NULL, so reading it into a
/// non-optional float fails to decode. Nothing is silently changed into another number.
pub async fn nan_is_stored_refused_or_null_as_each_backend_does(db: &TestDb) {
    db.query("CREATE TABLE floats (id INTEGER PRIMARY KEY, x DOUBLE PRECISION)")
        .execute()
        .await
        .expect("create");
    let insert =
        db.query("INSERT INTO floats (id, x) VALUES (1, ?)").bind(f64::NAN).execute().await;
    match db.backend() {
        Backend::Postgres => {
            insert.expect("stored");
            let x: f64 = db
                .query("SELECT x FROM floats")
                .fetch_one()
                .await
                .expect("row")
                .get(0)
                .expect("f64");
            assert!(x.is_nan());
        }
        Backend::MySql => {
            let e = insert.expect_err("MariaDB has no NaN");
            assert!(matches!(e.kind(), ErrorKind::Data | ErrorKind::Other), "{e}");
        }
        Backend::Sqlite => {
            insert.expect("stored as NULL");
            let row = db.query("SELECT x FROM floats").fetch_one().await.expect("row");
            assert_eq!(row.get::<Option<f64>>(0).expect("nullable read"), None);
            assert_eq!(row.get::<f64>(0).expect_err("not a number").kind(), ErrorKind::Decode);
        }
    }
}

/// Timestamps keep microseconds on PostgreSQL and MariaDB (finer digits are dropped on the way
/// in, not rounded); SQLite keeps nanoseconds.
pub async fn sub_microsecond_times_are_truncated_or_kept(db: &TestDb) {
    let ddl = match db.backend() {
        Backend::Postgres => "CREATE TABLE times (id INTEGER PRIMARY KEY, at TIMESTAMPTZ)",
        Backend::MySql => "CREATE TABLE times (id INTEGER PRIMARY KEY, at DATETIME(6))",
        Backend::Sqlite => "CREATE TABLE times (id INTEGER PRIMARY KEY, at TEXT)",
    };
    db.query(ddl).execute().await.expect("create");
    let at: DateTime<Utc> = "2024-05-06T07:08:09.123456789Z".parse().expect("time");
    db.query("INSERT INTO times (id, at) VALUES (1, ?)").bind(at).execute().await.expect("insert");
    let back: DateTime<Utc> =
        db.query("SELECT at FROM times").fetch_one().await.expect("row").get(0).expect("time");
    let expected_nanos = match db.backend() {
        Backend::Postgres | Backend::MySql => 123_456_000,
        Backend::Sqlite => 123_456_789,
    };
    assert_eq!(back.timestamp_subsec_nanos(), expected_nanos, "{} kept {back}", db.backend());
    assert_eq!(back.timestamp(), at.timestamp());
}
