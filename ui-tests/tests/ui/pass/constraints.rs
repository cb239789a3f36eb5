//! Every index, unique constraint and default form compiles, on every field type that takes it.

use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "customers")]
struct Customer {
    #[dal(id)]
    id: i64,
    name: String,
}

#[derive(Entity)]
#[dal(table = "accounts", soft_delete, history, unique(shop, number), index(r#type, opened_at))]
struct Account {
    #[dal(id)]
    id: Uuid,
    #[dal(unique, max_length = 320)]
    email: String,
    #[dal(index, max_length = 64)]
    handle: Option<String>,
    #[dal(references = Customer, unique)]
    customer_id: i64,
    shop: String,
    number: i32,
    #[dal(default = "it's \\ fine")]
    r#type: String,
    #[dal(default = now)]
    opened_at: DateTime<Utc>,
    #[dal(default = now)]
    closed_at: Option<DateTime<Utc>>,
    #[dal(default = -32768)]
    small: i16,
    #[dal(default = 2147483647)]
    medium: Option<i32>,
    #[dal(default = -1)]
    balance: i64,
    #[dal(default = 0.5)]
    rate: f64,
    #[dal(default = 3)]
    weight: f32,
    #[dal(default = false)]
    active: bool,
    #[dal(version)]
    version: i64,
    #[dal(deleted_at)]
    deleted_at: Option<DateTime<Utc>>,
}

fn main() {
    assert_eq!(Account::INDEXES.len(), 6);
    assert!(Account::INDEXES.iter().any(|x| x.name() == "accounts_customer_id_key" && x.is_unique()));
}
