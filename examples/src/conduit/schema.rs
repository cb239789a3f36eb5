//! Creating Conduit's tables, with the unique constraints their entities declare.

use dal::prelude::*;

use super::entities::{Article, ArticleTag, Comment, Favorite, Follow, Tag, User};

/// The longest username, e-mail, tag name and slug the API accepts, in characters: the
/// `max_length = 255` of those unique columns (`VARCHAR(255)` on PostgreSQL and MariaDB, which
/// refuse a longer value as `ErrorKind::Data`). The API checks it first, so a client sending a
/// longer value reads which field is too long.
pub const MAX_KEY_CHARS: usize = 255;

/// Creates every table that is missing (parents before the children that reference them),
/// with their unique constraints (`users_username_key`, `follows_follower_id_followee_id_key`,
/// …), and checks that existing tables have them.
///
/// # Errors
///
/// When the database cannot be reached, or a table exists with another shape or without one
/// of its unique constraints.
pub async fn ensure_schema(db: &Database) -> dal::Result<()> {
    db.ensure_schema::<User>().await?;
    db.ensure_schema::<Follow>().await?;
    db.ensure_schema::<Article>().await?;
    db.ensure_schema::<Tag>().await?;
    db.ensure_schema::<ArticleTag>().await?;
    db.ensure_schema::<Favorite>().await?;
    db.ensure_schema::<Comment>().await
}
