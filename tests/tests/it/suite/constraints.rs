//! Constraints and indexes from the struct: `#[dal(unique)]`, `#[dal(index)]`, composite
//! `unique(…)`/`index(…)`, `default = …`; a unique violation as a constraint error naming the
//! constraint (the columns on SQLite, which reports no names), the indexes in the catalog, and
//! `ensure_schema` reporting an index that is missing or not unique.

use dal::types::{DateTime, TimeDelta, Utc};
use dal::{Backend, Entity, ErrorKind};
use tests::TestDb;

/// Every kind of index and default, with soft delete and history.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "accounts", soft_delete, history, unique(shop, number), index(status, opened_at))]
pub struct Account {
    #[dal(id)]
    pub id: i64,
    #[dal(unique, max_length = 320)]
    pub email: String,
    /// An indexed String of no declared length: `VARCHAR(255)` on MariaDB.
    #[dal(index)]
    pub handle: Option<String>,
    pub shop: String,
    pub number: i32,
    #[dal(default = "open")]
    pub status: String,
    #[dal(default = now)]
    pub opened_at: DateTime<Utc>,
    #[dal(default = -1)]
    pub balance: i64,
    #[dal(default = 0.5)]
    pub rate: f64,
    #[dal(default = true)]
    pub active: bool,
    #[dal(version)]
    pub version: i64,
    #[dal(deleted_at)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A child whose foreign key brings its own index, beside a unique code.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "cards")]
pub struct Card {
    #[dal(id)]
    pub id: i64,
    #[dal(references = Account, on_delete = "cascade")]
    pub account_id: i64,
    #[dal(unique)]
    pub code: String,
}

fn account(email: &str, shop: &str, number: i32) -> Account {
    Account {
        id: 0,
        email: email.into(),
        handle: None,
        shop: shop.into(),
        number,
        status: "open".into(),
        opened_at: Utc::now(),
        balance: 0,
        rate: 1.0,
        active: true,
        version: 0,
        deleted_at: None,
    }
}

async fn schema(db: &TestDb) {
    db.ensure_schema::<Account>().await.expect("accounts");
    db.ensure_schema::<Card>().await.expect("cards");
}

/// The table's secondary indexes as the catalog lists them: (name, unique, columns).
async fn catalog_indexes(db: &TestDb, table: &str) -> Vec<(String, bool, String)> {
    let rows: Vec<(String, i64, String)> = db
        .query(db.dialect().table_indexes_sql())
        .bind(table)
        .fetch_all_as()
        .await
        .expect("indexes");
    let mut out: Vec<_> = rows.into_iter().map(|(n, u, c)| (n, u != 0, c)).collect();
    out.sort();
    out
}

/// A unique violation names the constraint on PostgreSQL and MariaDB (the message and
/// `Error::constraint`); SQLite reports no constraint names, its message names the columns.
fn assert_names(e: &dal::Error, backend: Backend, constraint: &str, columns: &str) {
    assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
    assert!(!e.is_retryable(), "{e}");
    match backend {
        Backend::Sqlite => {
            assert!(e.message().contains(columns), "{e}");
            assert_eq!(e.constraint(), None, "{e}");
        }
        _ => {
            assert!(e.message().contains(constraint), "{e}");
            assert_eq!(e.constraint(), Some(constraint), "{e}");
        }
    }
}

pub async fn a_unique_violation_is_a_constraint_error_naming_it(db: &TestDb) {
    schema(db).await;
    let accounts = db.repo::<Account>();
    accounts.save(&account("a@b.c", "s", 1)).await.expect("first");
    let e = accounts.save(&account("a@b.c", "s", 2)).await.expect_err("the same email");
    assert_names(&e, db.backend(), "accounts_email_key", "accounts.email");
    assert_eq!(db.count_rows("accounts").await, 1);

    let owner = accounts.find().one().await.expect("find").expect("the first");
    let cards = db.repo::<Card>();
    cards.save(&Card { id: 0, account_id: owner.id, code: "x".into() }).await.expect("card");
    let e = cards.save(&Card { id: 0, account_id: owner.id, code: "x".into() }).await;
    assert_names(&e.expect_err("the same code"), db.backend(), "cards_code_key", "cards.code");
}

pub async fn a_composite_unique_refuses_only_the_same_combination(db: &TestDb) {
    schema(db).await;
    let accounts = db.repo::<Account>();
    for (i, (shop, number)) in [("s", 1), ("s", 2), ("t", 1)].into_iter().enumerate() {
        accounts.save(&account(&format!("{i}@b.c"), shop, number)).await.expect("distinct pair");
    }
    let e = accounts.save(&account("9@b.c", "s", 2)).await.expect_err("the same pair");
    assert_names(&e, db.backend(), "accounts_shop_number_key", "accounts.shop, accounts.number");
    assert_eq!(db.count_rows("accounts").await, 3);
}

/// README: a unique constraint covers soft-deleted rows too (a restore can never collide), and
/// the history table has none of them (it holds every version of a row).
pub async fn unique_constraints_cover_soft_deleted_rows_and_skip_history(db: &TestDb) {
    schema(db).await;
    let accounts = db.repo::<Account>();
    let mut saved = accounts.save(&account("a@b.c", "s", 1)).await.expect("save");
    for status in ["frozen", "open", "closed"] {
        saved.status = status.into();
        saved = accounts.save(&saved).await.expect("a new version, the same email");
    }
    assert_eq!(accounts.history(saved.id).await.expect("history").len(), 4);
    accounts.delete(saved.id).await.expect("soft delete");
    let e = accounts.save(&account("a@b.c", "t", 1)).await.expect_err("deleted, still unique");
    assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
    let history = catalog_indexes(db, "accounts_history").await;
    assert!(history.iter().all(|(_, unique, _)| !unique), "{history:?}");
}

pub async fn declared_indexes_are_in_the_catalog(db: &TestDb) {
    schema(db).await;
    let expected = |names: &[(&str, bool, &str)]| -> Vec<(String, bool, String)> {
        names.iter().map(|(n, u, c)| (n.to_string(), *u, c.to_string())).collect()
    };
    assert_eq!(
        catalog_indexes(db, "accounts").await,
        expected(&[
            ("accounts_email_key", true, "email"),
            ("accounts_handle_idx", false, "handle"),
            ("accounts_shop_number_key", true, "shop,number"),
            ("accounts_status_opened_at_idx", false, "status,opened_at"),
        ])
    );
    assert_eq!(
        catalog_indexes(db, "cards").await,
        expected(&[
            ("cards_account_id_idx", false, "account_id"),
            ("cards_code_key", true, "code")
        ])
    );
    let indexes: Vec<&str> = Account::INDEXES.iter().map(|x| x.name()).collect();
    assert_eq!(indexes.len(), 4, "{indexes:?}");
    schema(db).await;
    db.ensure_schema::<Card>().await.expect("a foreign key's index is no drift");
}

pub async fn ensure_schema_reports_a_missing_or_non_unique_index(db: &TestDb) {
    schema(db).await;
    let drop_index = |name: &str| match db.backend() {
        Backend::MySql => format!("DROP INDEX {name} ON accounts"),
        _ => format!("DROP INDEX {name}"),
    };
    db.query(&drop_index("accounts_status_opened_at_idx")).execute().await.expect("drop");
    let e = db.ensure_schema::<Account>().await.expect_err("an index is missing");
    assert_eq!(e.kind(), ErrorKind::Schema, "{e}");
    assert!(
        e.message()
            .contains("missing indexes: accounts_status_opened_at_idx (on status, opened_at)"),
        "{e}"
    );
    assert_eq!(catalog_indexes(db, "accounts").await.len(), 3, "ensure_schema adds no index");

    // The unique constraint replaced by a plain index of the same name.
    let drop_unique = match db.backend() {
        Backend::Postgres => "ALTER TABLE accounts DROP CONSTRAINT accounts_email_key".to_owned(),
        _ => drop_index("accounts_email_key"),
    };
    db.query(&drop_unique).execute().await.expect("drop unique");
    db.query("CREATE INDEX accounts_email_key ON accounts (email)").execute().await.expect("plain");
    let e = db.ensure_schema::<Account>().await.expect_err("not unique");
    let message = e.message();
    assert!(message.contains("indexes that should be unique: accounts_email_key"), "{message}");
    assert!(message.contains("accounts_status_opened_at_idx"), "both are named: {message}");
    assert!(!message.contains("accounts_shop_number_key"), "matching ones are not: {message}");
    db.ensure_schema::<Card>().await.expect("the foreign key's index matches");
}

pub async fn defaults_fill_a_row_inserted_without_those_columns(db: &TestDb) {
    schema(db).await;
    let before = Utc::now() - TimeDelta::seconds(1);
    db.query("INSERT INTO accounts (email, shop, number, version) VALUES (?, ?, ?, 1)")
        .bind("raw@b.c")
        .bind("s")
        .bind(1)
        .execute()
        .await
        .expect("raw insert");
    let after = Utc::now() + TimeDelta::seconds(1);
    let row = db.repo::<Account>().find().one().await.expect("find").expect("the raw row");
    assert_eq!(
        (row.status.as_str(), row.balance, row.rate, row.active, row.handle.as_deref()),
        ("open", -1, 0.5, true, None)
    );
    assert!(before <= row.opened_at && row.opened_at <= after, "{} is now", row.opened_at);
}

/// README: an indexed `String` without `max_length` is `VARCHAR(255)` on MariaDB, which cannot
/// index `LONGTEXT`: a longer value is refused there as data, kept elsewhere; `max_length`
/// limits PostgreSQL and MariaDB (SQLite does not enforce declared lengths).
pub async fn indexed_text_lengths_follow_the_backend(db: &TestDb) {
    schema(db).await;
    let accounts = db.repo::<Account>();
    let mut long = account("a@b.c", "s", 1);
    long.handle = Some("h".repeat(256));
    let saved = accounts.save(&long).await;
    match db.backend() {
        Backend::MySql => assert_eq!(saved.expect_err("VARCHAR(255)").kind(), ErrorKind::Data),
        _ => assert_eq!(saved.expect("TEXT").handle, long.handle),
    }
    let email = format!("{}@b.c", "e".repeat(320));
    let saved = accounts.save(&account(&email, "t", 1)).await;
    match db.backend() {
        Backend::Sqlite => assert_eq!(saved.expect("no length on SQLite").email, email),
        _ => assert_eq!(saved.expect_err("VARCHAR(320)").kind(), ErrorKind::Data),
    }
}
