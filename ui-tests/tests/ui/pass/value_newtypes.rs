//! Newtypes as columns, nullable columns, filter values and ids.
use dal::prelude::*;
use dal::Value;

#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dal(id)]
struct UserId(Uuid);

#[derive(Value, Debug, Clone, PartialEq)]
struct Email(String);

#[derive(Entity, Debug, Clone)]
#[dal(table = "users")]
struct User {
    #[dal(id)]
    id: UserId,
    email: Email,
    backup: Option<Email>,
}

fn main() {
    let _ = User::EMAIL.eq(Email("a@b.c".into()));
    let _ = User::BACKUP.eq(Email("a@b.c".into()));
}
