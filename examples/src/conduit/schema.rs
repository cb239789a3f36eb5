//! Creating Conduit's tables, and the unique indexes the entities cannot declare yet.

use dal::prelude::*;
use dal::{Backend, sql};

use super::entities::{Article, ArticleTag, Comment, Favorite, Follow, Tag, User};

/// The longest username, e-mail, tag name and slug the API accepts, in characters: MariaDB
/// indexes only a prefix of a `LONGTEXT` column, and a unique index on a prefix this long is
/// as strict as one on the whole value when no value is longer.
pub const MAX_KEY_CHARS: usize = 255;

/// Creates every table that is missing (parents before the children that reference them),
/// then the unique indexes.
///
/// # Errors
///
/// When the database cannot be reached, a table exists with another shape, or existing rows
/// break a unique index.
pub async fn ensure_schema(db: &Database) -> dal::Result<()> {
    db.ensure_schema::<User>().await?;
    db.ensure_schema::<Follow>().await?;
    db.ensure_schema::<Article>().await?;
    db.ensure_schema::<Tag>().await?;
    db.ensure_schema::<ArticleTag>().await?;
    db.ensure_schema::<Favorite>().await?;
    db.ensure_schema::<Comment>().await?;
    create_unique_indexes(db).await
}

// until #[dal(unique)] lands: then each of these becomes an attribute on its field (or a
// composite unique on the entity), `ensure_schema` creates them, and this function goes.
/// The unique indexes Conduit needs: username, e-mail, slug and tag name, and one row per
/// follow, favorite and article-tag pair. A second row breaking one fails with
/// `ErrorKind::Constraint`, which the API answers with 422.
///
/// MariaDB cannot index a whole `LONGTEXT` (how `String` is stored there), so the text keys
/// are indexed on their first [`MAX_KEY_CHARS`] characters, which the API never exceeds.
async fn create_unique_indexes(db: &Database) -> dal::Result<()> {
    let statements = match db.backend() {
        Backend::MySql => [
            sql!("CREATE UNIQUE INDEX IF NOT EXISTS users_username_key ON users (username(255))"),
            sql!("CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email(255))"),
            sql!("CREATE UNIQUE INDEX IF NOT EXISTS articles_slug_key ON articles (slug(255))"),
            sql!("CREATE UNIQUE INDEX IF NOT EXISTS tags_name_key ON tags (name(255))"),
            sql!(
                "CREATE UNIQUE INDEX IF NOT EXISTS follows_pair_key ON follows (follower_id, followee_id)"
            ),
            sql!(
                "CREATE UNIQUE INDEX IF NOT EXISTS favorites_pair_key ON favorites (article_id, user_id)"
            ),
            sql!(
                "CREATE UNIQUE INDEX IF NOT EXISTS article_tags_pair_key ON article_tags (article_id, tag_id)"
            ),
        ],
        Backend::Postgres | Backend::Sqlite => [
            sql!("CREATE UNIQUE INDEX IF NOT EXISTS users_username_key ON users (username)"),
            sql!("CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email)"),
            sql!("CREATE UNIQUE INDEX IF NOT EXISTS articles_slug_key ON articles (slug)"),
            sql!("CREATE UNIQUE INDEX IF NOT EXISTS tags_name_key ON tags (name)"),
            sql!(
                "CREATE UNIQUE INDEX IF NOT EXISTS follows_pair_key ON follows (follower_id, followee_id)"
            ),
            sql!(
                "CREATE UNIQUE INDEX IF NOT EXISTS favorites_pair_key ON favorites (article_id, user_id)"
            ),
            sql!(
                "CREATE UNIQUE INDEX IF NOT EXISTS article_tags_pair_key ON article_tags (article_id, tag_id)"
            ),
        ],
    };
    for statement in statements {
        statement.execute(db).await?;
    }
    Ok(())
}
