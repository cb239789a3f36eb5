//! Entities used by the suite.

use dal::types::{DateTime, Decimal, Json, NaiveDate, NaiveDateTime, NaiveTime, Utc, Uuid};
use dal::{Entity, Value};
use serde::{Deserialize, Serialize};

/// A UUID-keyed entity.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "people")]
pub struct Person {
    #[dal(id)]
    pub id: Uuid,
    pub name: String,
    #[dal(column = "email_address")]
    pub email: String,
    pub age: Option<i32>,
}

impl Person {
    pub fn new(name: &str, age: Option<i32>) -> Self {
        Person { id: Uuid::nil(), name: name.into(), email: format!("{name}@example.com"), age }
    }
}

/// A database-keyed entity.
#[derive(Entity, Debug, Clone, PartialEq)]
pub struct Ticket {
    #[dal(id)]
    pub id: i64,
    pub title: String,
    /// Not stored: reads fill it with the default.
    #[dal(skip)]
    pub scratch: String,
}

/// An enum stored as text: snake_case, one variant renamed (with a quote, which the CHECK's
/// list must escape).
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    PendingPayment,
    #[dal(rename = "it's shipped")]
    Shipped,
}

/// An enum stored as its discriminants.
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dal(repr = "i16")]
pub enum Priority {
    Low = -1,
    Normal = 0,
    Urgent = 32767,
}

/// A newtype id over a client-made `Uuid`.
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dal(id)]
pub struct AllTypesId(pub Uuid);

/// A text newtype.
#[derive(Value, Debug, Clone, PartialEq)]
pub struct Label(pub String);

/// One field of every supported type, each also as `Option`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "all_types")]
pub struct AllTypes {
    #[dal(id)]
    pub id: AllTypesId,
    pub b: bool,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub float: f32,
    pub double: f64,
    pub text: String,
    pub uuid: Uuid,
    pub at: DateTime<Utc>,
    pub date: NaiveDate,
    pub local: NaiveDateTime,
    pub json: Json,
    pub bytes: Vec<u8>,
    pub maybe_b: Option<bool>,
    pub maybe_small: Option<i16>,
    pub maybe_int: Option<i32>,
    pub maybe_big: Option<i64>,
    pub maybe_float: Option<f32>,
    pub maybe_double: Option<f64>,
    pub maybe_text: Option<String>,
    pub maybe_uuid: Option<Uuid>,
    pub maybe_at: Option<DateTime<Utc>>,
    pub maybe_date: Option<NaiveDate>,
    pub maybe_local: Option<NaiveDateTime>,
    pub maybe_json: Option<Json>,
    pub maybe_bytes: Option<Vec<u8>>,
    pub status: Status,
    pub priority: Priority,
    pub label: Label,
    pub maybe_status: Option<Status>,
    pub maybe_priority: Option<Priority>,
    pub maybe_label: Option<Label>,
    pub count: u32,
    pub time: NaiveTime,
    pub maybe_time: Option<NaiveTime>,
    /// Any `Decimal`: `NUMERIC`, `DECIMAL(65, 28)`, SQLite text.
    pub amount: Decimal,
    #[dal(precision = 19, scale = 4)]
    pub maybe_price: Option<Decimal>,
    pub note: dal::Json<Note>,
    pub maybe_tags: Option<dal::Json<Vec<String>>>,
}

/// A serde type stored as a JSON document (`dal::Json<Note>`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Note {
    pub title: String,
    pub stars: Option<u8>,
    pub weights: Vec<f64>,
}

/// A versioned entity with timestamps, soft delete and history.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "members", soft_delete, history)]
pub struct Member {
    #[dal(id)]
    pub id: Uuid,
    pub name: String,
    pub age: Option<i32>,
    #[dal(version)]
    pub version: i64,
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
    #[dal(updated_at)]
    pub updated_at: DateTime<Utc>,
    #[dal(deleted_at)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The ids of `acked` (saves a caller saw succeed) missing from `table` (`members` or
/// `members_history`): what a test that claims "nothing acknowledged is lost" checks.
pub async fn members_missing_from(db: &dal::Database, table: &str, acked: &[Uuid]) -> Vec<Uuid> {
    let stored: std::collections::HashSet<Uuid> = db
        .query(&format!("SELECT id FROM {table}"))
        .fetch_all()
        .await
        .expect("ids")
        .iter()
        .map(|row| row.get(0).expect("uuid"))
        .collect();
    acked.iter().copied().filter(|id| !stored.contains(id)).collect()
}

impl Member {
    pub fn new(name: &str) -> Self {
        Member {
            id: Uuid::nil(),
            name: name.into(),
            age: None,
            version: 0,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            deleted_at: None,
        }
    }
}

/// A database-keyed entity with a version and history.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "entries", history)]
pub struct Entry {
    #[dal(id)]
    pub id: i64,
    pub text: String,
    #[dal(version)]
    pub version: i64,
}

impl Entry {
    pub fn new(text: &str) -> Self {
        Entry { id: 0, text: text.into(), version: 0 }
    }
}

/// An entity spread over shards by its tenant.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "tenant_orders")]
pub struct TenantOrder {
    #[dal(id)]
    pub id: Uuid,
    #[dal(shard_key)]
    pub tenant: String,
    pub item: String,
}

impl TenantOrder {
    pub fn new(tenant: &str, item: &str) -> Self {
        TenantOrder { id: Uuid::nil(), tenant: tenant.into(), item: item.into() }
    }
}
