//! `u32` (a `BIGINT`, range-checked on the way back), `NaiveTime`, and `dal::Json<T>`: what a
//! value outside what the Rust type holds does on read, and on write.

use std::collections::BTreeMap;

use dal::types::NaiveTime;
use dal::{Entity, ErrorKind, Json};
use serde::{Deserialize, Serialize};
use tests::TestDb;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Settings {
    pub theme: String,
    pub font_size: u8,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "gauges")]
pub struct Gauge {
    #[dal(id)]
    pub id: i64,
    pub reading: u32,
    pub opens_at: NaiveTime,
    pub settings: Json<Settings>,
    pub grid: Option<Json<BTreeMap<(u8, u8), u8>>>,
}

fn gauge(reading: u32) -> Gauge {
    Gauge {
        id: 0,
        reading,
        opens_at: NaiveTime::from_hms_micro_opt(8, 30, 0, 250_000).expect("time"),
        settings: Json(Settings { theme: "dark".into(), font_size: 14 }),
        grid: None,
    }
}

pub async fn u32_past_its_range_in_the_column_is_a_decode_error(db: &TestDb) {
    db.ensure_schema::<Gauge>().await.expect("schema");
    db.ensure_schema::<Gauge>().await.expect("no drift");
    let repo = db.repo::<Gauge>();
    let max = repo.save(&gauge(u32::MAX)).await.expect("u32::MAX fits a BIGINT");
    assert_eq!(repo.get(max.id).await.expect("get"), Some(max.clone()));
    let found = repo.find().filter(Gauge::READING.gt(u32::MAX - 1)).all().await.expect("find");
    assert_eq!(found, std::slice::from_ref(&max));

    for wide in [-1_i64, i64::from(u32::MAX) + 1] {
        db.query("UPDATE gauges SET reading = ? WHERE id = ?")
            .bind(wide)
            .bind(max.id)
            .execute()
            .await
            .expect("the column holds it");
        let e = repo.get(max.id).await.expect_err("a u32 cannot hold it");
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
        let message = e.to_string();
        assert!(message.contains("reading") && message.contains(&wide.to_string()), "{message}");
    }
}

pub async fn times_of_day_keep_microseconds_and_sort(db: &TestDb) {
    db.ensure_schema::<Gauge>().await.expect("schema");
    let repo = db.repo::<Gauge>();
    let times = [(23, 59, 59, 999_999), (0, 0, 0, 0), (8, 30, 0, 250_000), (8, 30, 0, 5)];
    for (h, m, s, us) in times {
        let at = NaiveTime::from_hms_micro_opt(h, m, s, us).expect("time");
        let saved = repo.save(&Gauge { opens_at: at, ..gauge(1) }).await.expect("save");
        assert_eq!(repo.get(saved.id).await.expect("get").map(|g| g.opens_at), Some(at));
    }
    let order = repo.find().order_by(Gauge::OPENS_AT.asc()).all().await.expect("find");
    let order: Vec<String> = order.iter().map(|g| g.opens_at.to_string()).collect();
    assert_eq!(order, ["00:00:00", "08:30:00.000005", "08:30:00.250", "23:59:59.999999"]);
    let half_past = NaiveTime::from_hms_opt(8, 30, 0).expect("time");
    let later = repo.find().filter(Gauge::OPENS_AT.gt(half_past)).count().await.expect("count");
    assert_eq!(later, 3);
}

pub async fn typed_json_round_trips_and_a_document_of_another_shape_is_a_decode_error(db: &TestDb) {
    db.ensure_schema::<Gauge>().await.expect("schema");
    let repo = db.repo::<Gauge>();
    let saved = repo.save(&gauge(7)).await.expect("save");
    let back = repo.get(saved.id).await.expect("get").expect("row");
    assert_eq!((back.settings.theme.as_str(), back.settings.font_size), ("dark", 14));

    // Map keys that are not strings: serde_json refuses them, so nothing is written.
    let grid = BTreeMap::from([((1, 2), 3)]);
    let e = repo.save(&Gauge { grid: Some(Json(grid)), ..gauge(8) }).await.expect_err("no JSON");
    assert_eq!(e.kind(), ErrorKind::Data, "{e}");
    assert!(e.to_string().contains("key must be a string"), "{e}");
    assert_eq!(db.count_rows("gauges").await, 1);

    db.query("UPDATE gauges SET settings = ? WHERE id = ?")
        .bind(serde_json::json!({"theme": "light"}))
        .bind(saved.id)
        .execute()
        .await
        .expect("any document fits the column");
    let e = repo.get(saved.id).await.expect_err("no font_size");
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.to_string().contains("settings") && e.to_string().contains("font_size"), "{e}");
}
