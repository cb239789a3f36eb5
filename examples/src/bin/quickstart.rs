//! The quickstart: an entity on embedded SQLite, no server needed.
//!
//! `cargo run -p examples --bin quickstart` creates the schema, then saves, reads, updates and
//! deletes one user, printing each step. `cargo expand -p examples --bin quickstart` shows the
//! SQL constants `#[derive(Entity)]` generated for every backend.

use dal::prelude::*;

/// A user, stored in table `users`; `User::POSTS` follows `Post::AUTHOR` back.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "users", has_many(posts = Post::AUTHOR))]
struct User {
    /// Generated (UUID v7) on the first save.
    #[dal(id)]
    id: Uuid,
    name: String,
    email: String,
    age: Option<i32>,
    joined: DateTime<Utc>,
}

/// A post, stored in table `posts`: `author_id` is a foreign key to `users` (the DDL holds
/// the constraint and an index on it); `Post::AUTHOR` is the relation.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "posts")]
struct Post {
    #[dal(id)]
    id: i64,
    #[dal(references = User, on_delete = "cascade")]
    author_id: Uuid,
    title: String,
}

/// Renames two users in one transaction: both or neither (an `Err` rolls back).
#[auto_transaction]
async fn rename_pair(db: &Database, a: Uuid, b: Uuid, suffix: &str) -> dal::Result<u64> {
    let mut changed = 0;
    for id in [a, b] {
        // `?` placeholders are rewritten for the backend at compile time (see `cargo expand`).
        changed +=
            sql!("UPDATE users SET name = name || ? WHERE id = ?", suffix, id).execute(db).await?;
    }
    Ok(changed)
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

    let grace = users
        .save(&User {
            id: Uuid::nil(),
            name: "Grace Hopper".into(),
            email: "grace@example.com".into(),
            age: Some(85),
            joined: Utc::now(),
        })
        .await?;
    let renamed = rename_pair(&db, saved.id, grace.id, " (pioneer)").await?;
    let names = sql_as!((String,), "SELECT name FROM users WHERE age > ? ORDER BY name", 30)
        .fetch_all(&db)
        .await?;
    println!("renamed {renamed} in one transaction: {names:?}");

    db.ensure_schema::<Post>().await?;
    let posts = db.repo::<Post>();
    for (author, title) in
        [(&saved, "Notes on the Analytical Engine"), (&grace, "COBOL"), (&grace, "Nanoseconds")]
    {
        posts.save(&Post { id: 0, author_id: author.id, title: title.into() }).await?;
    }
    // Eager loading: the users, then all their posts in one more statement (never one per user).
    let with_posts = users.find().order_by(User::NAME.asc()).with(User::POSTS).all().await?;
    for (user, posts) in &with_posts {
        let titles: Vec<&str> = posts.iter().map(|p| p.title.as_str()).collect();
        println!("{} wrote {titles:?}", user.name);
    }
    // Filtering through a relation: users with a post titled like "C%" (an EXISTS subquery).
    let cobol = users.find().filter(User::POSTS.any(Post::TITLE.like("C%"))).all().await?;
    println!("wrote about C: {:?}", cobol.iter().map(|u| &u.name).collect::<Vec<_>>());

    let deleted = users.delete_permanently(saved.id).await?;
    let gone = users.get(saved.id).await?;
    println!("deleted: {deleted}; read again: {gone:?}");
    assert!(gone.is_none());
    println!("posts left (ON DELETE CASCADE took Ada's): {}", posts.count().await?);
    Ok(())
}
