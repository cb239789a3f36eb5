//! `#[derive(dal::Value)]`: newtypes stored as their inner type, as columns, as nullable
//! columns, in filters, and as ids (client-made and database-assigned).

use dal::types::Uuid;
use dal::{Entity, Value};
use tests::TestDb;

/// A client-made id.
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dal(id)]
pub struct AccountId(pub Uuid);

/// A database-assigned id.
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dal(id)]
pub struct TicketNo(pub i64);

/// A text newtype.
#[derive(Value, Debug, Clone, PartialEq)]
pub struct Email(pub String);

#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "accounts")]
pub struct Account {
    #[dal(id)]
    pub id: AccountId,
    pub email: Email,
    pub backup: Option<Email>,
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "tickets")]
pub struct Ticket {
    #[dal(id)]
    pub id: TicketNo,
    #[dal(references = Account)]
    pub account_id: AccountId,
    pub title: String,
}

pub async fn newtypes_round_trip_as_columns_and_ids(db: &TestDb) {
    db.ensure_schema::<Account>().await.expect("accounts");
    db.ensure_schema::<Ticket>().await.expect("tickets");
    let accounts = db.repo::<Account>();
    let new = Account { id: AccountId(Uuid::nil()), email: Email("a@b.c".into()), backup: None };
    let saved = accounts.save(&new).await.expect("save");
    assert!(!saved.id.0.is_nil(), "a nil newtype id is generated like a nil Uuid");
    assert_eq!(accounts.get(saved.id).await.expect("get"), Some(saved.clone()));
    let other = Account {
        id: AccountId(Uuid::nil()),
        email: Email("x@y.z".into()),
        backup: Some(Email("backup@y.z".into())),
    };
    let other = accounts.save(&other).await.expect("save");
    let found = accounts.find().filter(Account::EMAIL.eq(Email("x@y.z".into()))).all().await;
    assert_eq!(found.expect("find"), std::slice::from_ref(&other));
    let found = accounts.find().filter(Account::BACKUP.is_not_null()).all().await;
    assert_eq!(found.expect("find"), std::slice::from_ref(&other));

    let tickets = db.repo::<Ticket>();
    let ticket = Ticket { id: TicketNo(0), account_id: other.id, title: "help".into() };
    let ticket = tickets.save(&ticket).await.expect("database-assigned newtype id");
    assert!(ticket.id.0 > 0);
    assert_eq!(tickets.get(ticket.id).await.expect("get"), Some(ticket.clone()));
    let with = tickets.find().with(Ticket::ACCOUNT).all().await.expect("with");
    assert_eq!(with, [(ticket, Some(other))], "a newtype key references a newtype id");
}
