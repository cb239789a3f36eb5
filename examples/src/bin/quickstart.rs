//! The quickstart: an entity on embedded SQLite, no server needed.
//!
//! `cargo run -p examples --bin quickstart` creates the schema, then saves, reads, updates and
//! deletes one user, printing each step. `cargo expand -p examples --bin quickstart` shows the
//! SQL constants `#[derive(Entity)]` generated for every backend.

use dal::prelude::*;

/// A user, stored in table `users`.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "users")]
struct User {
    /// Generated (UUID v7) on the first save.
    #[dal(id)]
    id: Uuid,
    name: String,
    email: String,
    age: Option<i32>,
    joined: DateTime<Utc>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> dal::Result<()> {
    let db = Database::connect("sqlite::memory:").await?;
    println!("connected to {} ({})", db.config(), db.backend());

    db.ensure_schema::<User>().await?;
    println!("created table `users`");

    let users = db.repo::<User>();
    let ada = User {
        id: Uuid::nil(),
        name: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
        age: Some(36),
        joined: Utc::now(),
    };
    let saved = users.save(&ada).await?;
    println!("saved:   {saved:?}");

    let found = users.get(saved.id).await?;
    println!("read:    {found:?}");
    assert_eq!(found.as_ref(), Some(&saved));

    let older = users.save(&User { age: Some(37), ..saved.clone() }).await?;
    let reread = users.get(saved.id).await?;
    println!("updated: age {:?} -> {:?}", saved.age, reread.as_ref().and_then(|u| u.age));
    assert_eq!(reread, Some(older));

    let deleted = users.delete_permanently(saved.id).await?;
    let gone = users.get(saved.id).await?;
    println!("deleted: {deleted}; read again: {gone:?}");
    assert!(gone.is_none());
    Ok(())
}
