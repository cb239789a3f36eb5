//! `rust_decimal::Decimal` columns: exact round trips at the edges, aggregates read as
//! decimals without a cast, and comparisons by value (on SQLite through the `dal_decimal`
//! collation: as text, `9.5` sorts after `10`).

use std::str::FromStr;

use dal::types::Decimal;
use dal::{Entity, ErrorKind};
use tests::TestDb;

#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "ledger", history)]
pub struct Ledger {
    #[dal(id)]
    pub id: i64,
    /// 28 significant digits, 10 of them after the point.
    #[dal(precision = 28, scale = 10)]
    pub exact: Decimal,
    #[dal(precision = 19, scale = 4)]
    pub price: Option<Decimal>,
    /// Any `Decimal` at all.
    pub wide: Decimal,
    #[dal(version)]
    pub version: i64,
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal")
}

pub async fn decimal_edge_values_round_trip_exactly(db: &TestDb) {
    db.ensure_schema::<Ledger>().await.expect("schema");
    db.ensure_schema::<Ledger>().await.expect("a precision is no drift");
    let repo = db.repo::<Ledger>();
    let cases = [
        ("0", Some("0"), "0"),
        ("-12.5", Some("-0.0001"), "-79228162514264337593543950335"),
        // 28 significant digits, the scale's smallest step, the largest value of each column.
        ("123456789012345678.9012345678", Some("0.0001"), "0.0000000000000000000000000001"),
        ("0.0000000001", None, "1.234567890123456789012345678"),
        (
            "-999999999999999999.9999999999",
            Some("999999999999999.9999"),
            "79228162514264337593543950335",
        ),
    ];
    let mut first = None;
    for (exact, price, any) in cases {
        let row =
            Ledger { id: 0, exact: dec(exact), price: price.map(dec), wide: dec(any), version: 0 };
        let saved = repo.save(&row).await.unwrap_or_else(|e| panic!("{exact}: {e}"));
        first.get_or_insert(saved.id);
        let back = repo.get(saved.id).await.expect("get").expect("row");
        assert_eq!(back, saved, "{exact} / {price:?} / {any} read back changed");
        // Equal as numbers is not all: every digit came back.
        assert_eq!(back.exact.normalize().to_string(), dec(exact).normalize().to_string());
        assert_eq!(back.wide.normalize().to_string(), dec(any).normalize().to_string());
    }
    let history = repo.history(first.expect("saved")).await.expect("history");
    assert_eq!(history[0].entity.exact, Decimal::ZERO, "history columns are decimals too");
}

pub async fn sum_of_a_decimal_column_reads_as_a_decimal(db: &TestDb) {
    db.ensure_schema::<Ledger>().await.expect("schema");
    let repo = db.repo::<Ledger>();
    let prices = ["19.99", "0.01", "-5.5", "1000000.1234"];
    for p in prices {
        let row = Ledger { id: 0, exact: dec(p), price: Some(dec(p)), wide: dec(p), version: 0 };
        repo.save(&row).await.expect("save");
    }
    let expected = dec("1000014.6234");
    for column in ["exact", "price", "wide"] {
        let sql = format!("SELECT SUM({column}), COUNT({column}) FROM ledger");
        let row = db.query(&sql).fetch_one().await.expect("sum");
        let sum: Decimal = row.get(0).unwrap_or_else(|e| panic!("SUM({column}): {e}"));
        assert_eq!(sum, expected, "SUM({column})");
        assert_eq!(row.get::<Decimal>(1).expect("a count is a decimal too"), dec("4"));
    }
    // A thousand cents: SQLite sums in floats, and the float it gets is the one nearest 10.
    let cents: Vec<Ledger> = (0..1000)
        .map(|_| Ledger { id: 0, exact: dec("0.01"), price: None, wide: dec("0.01"), version: 0 })
        .collect();
    repo.save_all(&cents).await.expect("save all");
    let sum: Decimal = db
        .query("SELECT SUM(wide) FROM ledger WHERE price IS NULL")
        .fetch_one()
        .await
        .expect("sum")
        .get(0)
        .expect("decimal");
    assert_eq!(sum, dec("10"));
}

/// A float is read as a decimal when it stands for one of at most 15 digits; one that needs
/// more is a decode error naming it, never a silently rounded decimal.
pub async fn a_float_reads_as_a_decimal_only_when_it_is_exact(db: &TestDb) {
    let sum = |a: f64, b: f64| async move {
        let row = db.query("SELECT ? + ?").bind(a).bind(b).fetch_one().await.expect("row");
        row.get::<Decimal>(0)
    };
    assert_eq!(sum(0.25, 0.5).await.expect("exact"), dec("0.75"));
    let e = sum(0.1, 0.2).await.expect_err("0.30000000000000004 is no short decimal");
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.to_string().contains("0.30000000000000004"), "{e}");
}

pub async fn decimals_compare_and_sort_by_value(db: &TestDb) {
    db.ensure_schema::<Ledger>().await.expect("schema");
    let repo = db.repo::<Ledger>();
    for v in ["9.5", "10", "-2", "-10.25", "0.001", "100", "10.5"] {
        repo.save(&Ledger { id: 0, exact: dec(v), price: Some(dec(v)), wide: dec(v), version: 0 })
            .await
            .expect("save");
    }
    let sorted: Vec<String> = repo
        .find()
        .order_by(Ledger::WIDE.asc())
        .all()
        .await
        .expect("find")
        .iter()
        .map(|l| l.wide.normalize().to_string())
        .collect();
    assert_eq!(sorted, ["-10.25", "-2", "0.001", "9.5", "10", "10.5", "100"]);
    for (column, filter) in [
        ("exact", Ledger::EXACT.gt(dec("9.75"))),
        ("price", Ledger::PRICE.gt(dec("9.75"))),
        ("wide", Ledger::WIDE.gt(dec("9.75"))),
    ] {
        let found = repo.find().filter(filter).count().await.expect("count");
        assert_eq!(found, 3, "{column} > 9.75");
    }
    // Equal values written with other digits are equal: 10 = 10.000.
    let ten = repo.find().filter(Ledger::WIDE.eq(dec("10.000"))).all().await.expect("find");
    assert_eq!(ten.len(), 1);
    assert_eq!(ten[0].wide, dec("10"));
    let row = db.query("SELECT MIN(wide), MAX(wide) FROM ledger").fetch_one().await.expect("row");
    assert_eq!(row.get::<Decimal>(0).expect("min"), dec("-10.25"));
    assert_eq!(row.get::<Decimal>(1).expect("max"), dec("100"));

    // Equal values are one value to DISTINCT and to a unique index: 100 = 100.00.
    let hundred = Ledger { id: 0, exact: dec("1"), price: None, wide: dec("100.00"), version: 0 };
    repo.save(&hundred).await.expect("save");
    let distinct = db.query("SELECT COUNT(DISTINCT wide) FROM ledger").fetch_one().await;
    assert_eq!(distinct.expect("count").get::<i64>(0).expect("i64"), 7);
    let unique = db.query("CREATE UNIQUE INDEX ledger_wide ON ledger (wide)").execute().await;
    assert_eq!(unique.expect_err("100 is there twice").kind(), ErrorKind::Constraint);
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "small_change")]
pub struct SmallChange {
    #[dal(id)]
    pub id: i64,
    #[dal(precision = 5, scale = 2)]
    pub amount: Decimal,
}

/// PostgreSQL and MariaDB round to the scale (half away from zero) and refuse a value past the
/// precision; SQLite checks neither and keeps the value as written.
pub async fn a_decimal_past_its_scale_or_precision_is_rounded_refused_or_kept(db: &TestDb) {
    db.ensure_schema::<SmallChange>().await.expect("schema");
    let repo = db.repo::<SmallChange>();
    let sqlite = db.backend() == dal::Backend::Sqlite;
    for (given, stored) in [("1.235", "1.24"), ("-1.235", "-1.24"), ("999.99", "999.99")] {
        let saved = repo.save(&SmallChange { id: 0, amount: dec(given) }).await.expect("save");
        let back = repo.get(saved.id).await.expect("get").expect("row").amount;
        assert_eq!(back, dec(if sqlite { given } else { stored }), "{given}");
    }
    let big = repo.save(&SmallChange { id: 0, amount: dec("12345.6") }).await;
    if sqlite {
        let saved = big.expect("SQLite keeps it");
        assert_eq!(repo.get(saved.id).await.expect("get").map(|s| s.amount), Some(dec("12345.6")));
    } else {
        assert_eq!(big.expect_err("past NUMERIC(5, 2)").kind(), ErrorKind::Data);
    }
}
