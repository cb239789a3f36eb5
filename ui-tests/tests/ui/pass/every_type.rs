//! Every supported field type, both id kinds, renames, and a renamed `dal` crate path.

use dal::prelude::*;
use dal::types::{Decimal, Json, NaiveTime};

#[derive(Entity, Clone)]
#[dal(table = "everything")]
struct Everything {
    #[dal(id)]
    id: Uuid,
    a: bool,
    b: i16,
    c: i32,
    d: i64,
    e: f32,
    f: f64,
    g: String,
    h: Uuid,
    i: DateTime<Utc>,
    j: NaiveDate,
    k: NaiveDateTime,
    l: Json,
    m: Vec<u8>,
    o: u32,
    p: NaiveTime,
    q: Decimal,
    #[dal(precision = 19, scale = 4)]
    r: Decimal,
    #[dal(precision = 28)]
    s: Option<Decimal>,
    t: dal::Json<Vec<String>>,
    u: Option<dal::Json<std::collections::BTreeMap<String, Option<i64>>>>,
    #[dal(column = "maybe")]
    n: Option<String>,
    r#type: Option<i64>,
    /// Not stored: `Default::default()` when read.
    #[dal(skip)]
    cache: std::collections::HashMap<String, u64>,
}

mod renamed {
    pub use dal as my_dal;
}

#[derive(renamed::my_dal::Entity)]
#[dal(crate = "renamed::my_dal")]
struct Counter {
    #[dal(id)]
    id: i64,
    count: i64,
}

fn main() {
    use dal::Entity as _;
    assert_eq!(Everything::TABLE, "everything");
    assert!(!Everything::COLUMNS.contains(&"cache"), "skipped fields are not columns");
    let _patch = EverythingPatch { g: Some("new".into()), ..Default::default() };
    assert_eq!(Counter::TABLE, "counter");
    assert_eq!(Counter::COLUMNS, &["id", "count"]);
}
