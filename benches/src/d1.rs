//! D1, the tables and workloads of Diesel's own benchmark suite (`diesel_bench`): users with an
//! optional hair colour, their posts and the posts' comments, with database-assigned `i64` ids
//! (`diesel_bench` uses `i32`; dal's database-assigned ids are `i64`). This module owns the dal
//! entities, the seeding, the grouping of loaded associations, and the same work written by
//! hand on sqlx on one held connection ([`HandConn`]), as `diesel_bench`'s sqlx code does it.

use std::collections::HashMap;

use dal::query::Dialect;
use dal::{Database, Entity};
use sqlx::QueryBuilder;

use crate::hand::{HandConn, HandResult};

/// A `diesel_bench` user.
#[derive(Entity, sqlx::FromRow, Debug, Clone, PartialEq)]
#[dal(table = "d1_users", has_many(posts = D1Post::USER))]
pub struct D1User {
    /// Id, assigned by the database.
    #[dal(id)]
    pub id: i64,
    /// Name.
    pub name: String,
    /// Hair colour, optional.
    pub hair_color: Option<String>,
}

/// A `diesel_bench` post of a user.
#[derive(Entity, sqlx::FromRow, Debug, Clone, PartialEq)]
#[dal(table = "d1_posts", has_many(comments = D1Comment::POST))]
pub struct D1Post {
    /// Id, assigned by the database.
    #[dal(id)]
    pub id: i64,
    /// The user who wrote it.
    #[dal(references = D1User)]
    pub user_id: i64,
    /// Title.
    pub title: String,
    /// Body, optional.
    pub body: Option<String>,
}

/// A `diesel_bench` comment on a post.
#[derive(Entity, sqlx::FromRow, Debug, Clone, PartialEq)]
#[dal(table = "d1_comments")]
pub struct D1Comment {
    /// Id, assigned by the database.
    #[dal(id)]
    pub id: i64,
    /// The post it is on.
    #[dal(references = D1Post)]
    pub post_id: i64,
    /// Text.
    pub text: String,
}

/// One row of the medium complex query: a user and its post, if it has any.
pub type UserWithPost = (D1User, Option<D1Post>);

/// The result of loading associations: every user with its posts, each with its comments.
pub type UsersPostsComments = Vec<(D1User, Vec<(D1Post, Vec<D1Comment>)>)>;

/// The medium complex query's row read by position: user id, name, hair colour, then the
/// post's id, user id, title and body (all `NULL` for a user without posts).
pub type JoinedRow =
    (i64, String, Option<String>, Option<i64>, Option<i64>, Option<String>, Option<String>);

/// Users in the loading-associations workload; each has 10 posts with 10 comments each.
pub const ASSOCIATION_USERS: usize = 100;

/// The trivial query: every user.
pub const TRIVIAL_SQL: &str = "SELECT id, name, hair_color FROM d1_users";

/// The medium complex query as `diesel_bench` writes it, with `?` for the hair colour.
pub const MEDIUM_SQL: &str = "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
     FROM d1_users AS u LEFT JOIN d1_posts AS p ON u.id = p.user_id WHERE u.hair_color = ?";

/// [`MEDIUM_SQL`] in PostgreSQL's form.
const MEDIUM_SQL_PG: &str = "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
     FROM d1_users AS u LEFT JOIN d1_posts AS p ON u.id = p.user_id WHERE u.hair_color = $1";

/// The `i`-th user of a `diesel_bench` data set (new: id 0).
pub fn new_user(i: usize, hair_color: Option<&str>) -> D1User {
    D1User { id: 0, name: format!("User {i}"), hair_color: hair_color.map(str::to_owned) }
}

/// `diesel_bench`'s hair colours for the medium complex query: black and brown in turn.
pub fn black_or_brown(i: usize) -> Option<&'static str> {
    Some(if i.is_multiple_of(2) { "black" } else { "brown" })
}

/// Creates the three tables afresh (dropped first, so their shape is this module's).
pub async fn create_tables(db: &Database) -> dal::Result<()> {
    for table in ["d1_comments", "d1_posts", "d1_users"] {
        db.query(&format!("DROP TABLE IF EXISTS {table}")).execute().await?;
    }
    db.ensure_schema::<D1User>().await?;
    db.ensure_schema::<D1Post>().await?;
    db.ensure_schema::<D1Comment>().await?;
    Ok(())
}

/// Empties the three tables, children first. Posts and comments hold foreign keys, which a
/// server's `TRUNCATE` of the referenced table refuses: PostgreSQL truncates the three in one
/// statement; MariaDB on one held session with its foreign key checks off for the truncates
/// (and on again before the session goes back to the pool).
async fn empty_tables(db: &Database) -> dal::Result<()> {
    const TABLES: [&str; 3] = ["d1_comments", "d1_posts", "d1_users"];
    match db.dialect() {
        Dialect::Sqlite => {
            for table in TABLES {
                db.query(&format!("DELETE FROM {table}")).execute().await?;
            }
        }
        Dialect::Postgres => {
            db.query("TRUNCATE TABLE d1_comments, d1_posts, d1_users").execute().await?;
        }
        Dialect::MySql => {
            let conn = db.connection().await?;
            conn.query("SET FOREIGN_KEY_CHECKS = 0").execute().await?;
            let mut emptied = Ok(0);
            for table in TABLES {
                emptied = conn.query(&format!("TRUNCATE TABLE {table}")).execute().await;
                if emptied.is_err() {
                    break;
                }
            }
            conn.query("SET FOREIGN_KEY_CHECKS = 1").execute().await?;
            emptied?;
        }
    }
    Ok(())
}

/// Empties the three tables (kept, so that prepared statements on pooled connections stay
/// valid) and puts `users` users in, the `i`-th with `hair_color(i)`. The servers truncate:
/// after a `DELETE` of every row, InnoDB's purge of the deleted rows lags behind the next
/// workload's reads, which then scan them (the loading-associations reads of MariaDB took
/// 0.4 s instead of 6 ms in one run).
pub async fn reseed_users(
    db: &Database,
    users: usize,
    hair_color: impl Fn(usize) -> Option<&'static str>,
) -> dal::Result<Vec<D1User>> {
    empty_tables(db).await?;
    let all: Vec<D1User> = (0..users).map(|i| new_user(i, hair_color(i))).collect();
    let mut saved = Vec::with_capacity(users);
    for chunk in all.chunks(1000) {
        saved.extend(db.repo::<D1User>().save_all(chunk).await?);
    }
    crate::analyze(db, &["d1_users", "d1_posts", "d1_comments"]).await?;
    Ok(saved)
}

/// The loading-associations data set: [`ASSOCIATION_USERS`] users, 10 posts each, 10 comments
/// on each post.
pub async fn seed_associations(db: &Database) -> dal::Result<()> {
    let users = reseed_users(db, ASSOCIATION_USERS, black_or_brown).await?;
    let posts: Vec<D1Post> = users
        .iter()
        .flat_map(|u| {
            (0..10).map(move |i| D1Post {
                id: 0,
                user_id: u.id,
                title: format!("Post {i} by user {}", u.id),
                body: None,
            })
        })
        .collect();
    let posts = db.repo::<D1Post>().save_all(&posts).await?;
    let comments: Vec<D1Comment> = posts
        .iter()
        .flat_map(|p| {
            (0..10).map(move |i| D1Comment {
                id: 0,
                post_id: p.id,
                text: format!("Comment {i} on post {}", p.id),
            })
        })
        .collect();
    for chunk in comments.chunks(1000) {
        db.repo::<D1Comment>().save_all(chunk).await?;
    }
    crate::analyze(db, &["d1_users", "d1_posts", "d1_comments"]).await
}

/// Splits a row of the medium complex query into the user and its post.
pub fn split_joined(r: JoinedRow) -> UserWithPost {
    let (id, name, hair_color, post_id, user_id, title, body) = r;
    let post = match (post_id, user_id, title) {
        (Some(id), Some(user_id), Some(title)) => Some(D1Post { id, user_id, title, body }),
        _ => None,
    };
    (D1User { id, name, hair_color }, post)
}

/// Groups loaded posts under their users and comments under their posts, keeping the order
/// each was loaded in (what Diesel's `grouped_by` does).
pub fn group(
    users: Vec<D1User>,
    posts: Vec<D1Post>,
    comments: Vec<D1Comment>,
) -> UsersPostsComments {
    let post_index: HashMap<i64, usize> =
        posts.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let mut comments_of: Vec<Vec<D1Comment>> = posts.iter().map(|_| Vec::new()).collect();
    for c in comments {
        if let Some(&i) = post_index.get(&c.post_id) {
            comments_of[i].push(c);
        }
    }
    let user_index: HashMap<i64, usize> =
        users.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let mut posts_of: Vec<Vec<(D1Post, Vec<D1Comment>)>> =
        users.iter().map(|_| Vec::new()).collect();
    for (p, cs) in posts.into_iter().zip(comments_of) {
        if let Some(&i) = user_index.get(&p.user_id) {
            posts_of[i].push((p, cs));
        }
    }
    users.into_iter().zip(posts_of).collect()
}

/// The D1 workloads on dal, as a dal user writes them, on one held connection.
pub mod with_dal {
    use super::*;

    /// Trivial query: every user, through the typed `find()`.
    pub async fn trivial(db: &Database) -> dal::Result<Vec<D1User>> {
        db.repo::<D1User>().find().all().await
    }

    /// Medium complex query: `sql_as!` (rewritten at compile time) into a tuple, split into
    /// the user and its post.
    pub async fn medium(db: &Database) -> dal::Result<Vec<UserWithPost>> {
        let rows = dal::sql_as!(
            JoinedRow,
            "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
             FROM d1_users AS u LEFT JOIN d1_posts AS p ON u.id = p.user_id WHERE u.hair_color = ?",
            "black"
        )
        .fetch_all(db)
        .await?;
        Ok(rows.into_iter().map(split_joined).collect())
    }

    /// Insert N: `save_all` of new users (in a transaction; entities with database-assigned
    /// ids are inserted one statement each, so that each id is read back).
    pub async fn insert(db: &Database, users: &[D1User]) -> dal::Result<usize> {
        Ok(db.repo::<D1User>().save_all(users).await?.len())
    }

    /// Insert N written as raw SQL: `execute_many` of one `INSERT … VALUES (?, ?)`, which dal
    /// sends as one multi-row statement (`save_all` saves entities with database-assigned ids
    /// one at a time, to read each id back).
    pub async fn insert_many_raw(db: &Database, users: &[D1User]) -> dal::Result<u64> {
        use dal::types::IntoValue as _;
        db.query("INSERT INTO d1_users (name, hair_color) VALUES (?, ?)")
            .execute_many(
                users
                    .iter()
                    .map(|u| [u.name.clone().into_value(), u.hair_color.clone().into_value()]),
            )
            .await
    }

    /// Loading associations through the relation API: users, then their posts, then the
    /// posts' comments, one statement per level (keys in `IN (…)`), grouped by the runtime.
    pub async fn associations(db: &Database) -> dal::Result<UsersPostsComments> {
        db.repo::<D1User>().find().with(D1User::POSTS.with(D1Post::COMMENTS)).all().await
    }
}

/// Runs `$body` with `$c` bound to the held sqlx connection and `$d` to its dialect.
macro_rules! each_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            HandConn::Postgres($c) => $body,
            HandConn::MySql($c) => $body,
            HandConn::Sqlite($c) => $body,
        }
    };
}

/// `SELECT … WHERE column IN (?, ?, …)` with `ids` bound.
macro_rules! select_in {
    ($c:expr, $ty:ty, $head:expr, $ids:expr) => {{
        let mut q = QueryBuilder::new($head);
        let mut list = q.separated(", ");
        for id in $ids {
            list.push_bind(id);
        }
        q.push(")");
        q.build_query_as::<$ty>().fetch_all(&mut **$c).await?
    }};
}

/// The D1 workloads written by hand on sqlx, on one held connection, as `diesel_bench`'s sqlx
/// code writes them (`query_as` into the same structs).
pub mod by_hand {
    use super::*;

    /// Trivial query.
    pub async fn trivial(conn: &mut HandConn) -> HandResult<Vec<D1User>> {
        Ok(each_conn!(conn, c => {
            sqlx::query_as::<_, D1User>(TRIVIAL_SQL).fetch_all(&mut **c).await?
        }))
    }

    /// Medium complex query: rows read by position into a tuple, split into user and post.
    pub async fn medium(conn: &mut HandConn) -> HandResult<Vec<UserWithPost>> {
        let sql = if matches!(conn, HandConn::Postgres(_)) { MEDIUM_SQL_PG } else { MEDIUM_SQL };
        let rows: Vec<JoinedRow> = each_conn!(conn, c => {
            sqlx::query_as(sql).bind("black").fetch_all(&mut **c).await?
        });
        Ok(rows.into_iter().map(split_joined).collect())
    }

    /// Insert N: one multi-row `INSERT` (sqlx's `QueryBuilder`), in a transaction like dal's.
    pub async fn insert(conn: &mut HandConn, users: &[D1User]) -> HandResult<u64> {
        use sqlx::Connection as _;
        // Takes SQLite's write lock at once, as dal does.
        let begin = if matches!(conn, HandConn::Sqlite(_)) { "BEGIN IMMEDIATE" } else { "BEGIN" };
        Ok(each_conn!(conn, c => {
            let mut tx = (**c).begin_with(begin).await?;
            let mut q = QueryBuilder::new("INSERT INTO d1_users (name, hair_color) ");
            q.push_values(users, |mut t, u| {
                t.push_bind(u.name.as_str()).push_bind(u.hair_color.as_deref());
            });
            let done = q.build().execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            done
        }))
    }

    /// Loading associations: the same three queries as dal's, grouped by the same code.
    pub async fn associations(conn: &mut HandConn) -> HandResult<UsersPostsComments> {
        let (users, posts, comments) = each_conn!(conn, c => {
            let users = sqlx::query_as::<_, D1User>(TRIVIAL_SQL).fetch_all(&mut **c).await?;
            let posts = select_in!(
                c,
                D1Post,
                "SELECT id, user_id, title, body FROM d1_posts WHERE user_id IN (",
                users.iter().map(|u| u.id)
            );
            let comments = select_in!(
                c,
                D1Comment,
                "SELECT id, post_id, text FROM d1_comments WHERE post_id IN (",
                posts.iter().map(|p| p.id)
            );
            (users, posts, comments)
        });
        Ok(group(users, posts, comments))
    }
}
