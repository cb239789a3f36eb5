//! Conduit's tables as dal entities: users and who follows whom, articles (with history and
//! soft delete), their tags and favorites (many-to-many through join entities), comments.
//!
//! Every foreign key is a `#[dal(references = …)]` field, so the DDL holds the constraint and
//! its index and the relation constants (`Article::AUTHOR`, `Article::TAGGINGS`, …) drive eager
//! loading and `EXISTS` filters. Ids are newtypes (`#[derive(dal::Value)]`), so an article id
//! cannot be passed where a user id belongs. What must be unique is declared here too:
//! usernames, e-mails, slugs and tag names with `#[dal(unique)]` (a second one is
//! `ErrorKind::Constraint`, which the API answers with 422), each pair of the join tables with
//! a composite `unique(…)` on its entity. The unique text columns are `VARCHAR(255)`
//! (`max_length = 255`, [`MAX_KEY_CHARS`](super::schema::MAX_KEY_CHARS), the longest the API
//! accepts) on PostgreSQL and MariaDB; SQLite declares no length.

use dal::Value;
use dal::prelude::*;

/// A user's id: a UUID (v7) made on the first save.
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[dal(id)]
pub struct UserId(pub Uuid);

/// An article's id: a UUID (v7) made on the first save.
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dal(id)]
pub struct ArticleId(pub Uuid);

/// A tag's id: a UUID (v7) made on the first save.
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dal(id)]
pub struct TagId(pub Uuid);

/// A comment's id: assigned by the database (the API's comment ids are integers).
#[derive(Value, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[dal(id)]
pub struct CommentId(pub i64);

/// A registered user. `User::FOLLOWERS` are the [`Follow`]s naming this user as followee.
/// Its `Debug` leaves the password hash out.
#[derive(Entity, Clone, PartialEq)]
#[dal(table = "users", has_many(followers = Follow::FOLLOWEE))]
pub struct User {
    /// Made on the first save.
    #[dal(id)]
    pub id: UserId,
    /// Unique; what profiles and `?author=` name.
    #[dal(unique, max_length = 255)]
    pub username: String,
    /// Unique; what login takes.
    #[dal(unique, max_length = 255)]
    pub email: String,
    /// An argon2 hash in PHC form; never leaves the server.
    pub password_hash: String,
    /// Free text, unset until the user writes one.
    pub bio: Option<String>,
    /// A picture's URL, unset until the user gives one.
    pub image: Option<String>,
    /// Optimistic locking: two concurrent profile updates cannot overwrite each other.
    #[dal(version)]
    pub version: i64,
    /// When the user registered.
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
    /// When the user last changed.
    #[dal(updated_at)]
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("bio", &self.bio)
            .field("image", &self.image)
            .field("version", &self.version)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// `follower` follows `followee`; one row per pair.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "follows", unique(follower_id, followee_id))]
pub struct Follow {
    /// Made on the first save.
    #[dal(id)]
    pub id: Uuid,
    /// Who follows.
    #[dal(references = User, on_delete = "cascade")]
    pub follower_id: UserId,
    /// Who is followed.
    #[dal(references = User, on_delete = "cascade")]
    pub followee_id: UserId,
    /// Since when.
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
}

/// An article. Every version is kept (`GET /api/articles/{slug}/revisions` lists them), and
/// deleting one only marks it deleted: the API no longer shows it, its history stays.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(
    table = "articles",
    soft_delete,
    history,
    has_many(taggings = ArticleTag::ARTICLE, favorites = Favorite::ARTICLE)
)]
pub struct Article {
    /// Made on the first save.
    #[dal(id)]
    pub id: ArticleId,
    /// Unique; the article's name in URLs, made from its title.
    #[dal(unique, max_length = 255)]
    pub slug: String,
    /// The title.
    pub title: String,
    /// A one-line summary.
    pub description: String,
    /// The text.
    pub body: String,
    /// Who wrote it.
    #[dal(references = User)]
    pub author_id: UserId,
    /// One more on every change; the history's version number.
    #[dal(version)]
    pub version: i64,
    /// When it was written.
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[dal(updated_at)]
    pub updated_at: DateTime<Utc>,
    /// When it was deleted; deleted articles are not served.
    #[dal(deleted_at)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A tag name, shared by every article that carries it.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "tags", has_many(taggings = ArticleTag::TAG))]
pub struct Tag {
    /// Made on the first save.
    #[dal(id)]
    pub id: TagId,
    /// Unique.
    #[dal(unique, max_length = 255)]
    pub name: String,
}

/// Article `article_id` carries tag `tag_id`; one row per pair.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "article_tags", unique(article_id, tag_id))]
pub struct ArticleTag {
    /// Made on the first save.
    #[dal(id)]
    pub id: Uuid,
    /// The article.
    #[dal(references = Article, on_delete = "cascade")]
    pub article_id: ArticleId,
    /// The tag.
    #[dal(references = Tag)]
    pub tag_id: TagId,
}

/// User `user_id` favorited article `article_id`; one row per pair.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "favorites", unique(article_id, user_id))]
pub struct Favorite {
    /// Made on the first save.
    #[dal(id)]
    pub id: Uuid,
    /// The article.
    #[dal(references = Article, on_delete = "cascade")]
    pub article_id: ArticleId,
    /// Who favorited it.
    #[dal(references = User, on_delete = "cascade")]
    pub user_id: UserId,
    /// Since when.
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
}

/// A comment on an article.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "comments")]
pub struct Comment {
    /// Assigned by the database.
    #[dal(id)]
    pub id: CommentId,
    /// The article commented on.
    #[dal(references = Article, on_delete = "cascade")]
    pub article_id: ArticleId,
    /// Who wrote it.
    #[dal(references = User, on_delete = "cascade")]
    pub author_id: UserId,
    /// The text.
    pub body: String,
    /// When it was written.
    #[dal(created_at)]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[dal(updated_at)]
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_debug_leaves_the_password_hash_out() {
        let user = User {
            id: UserId(Uuid::nil()),
            username: "jake".into(),
            email: "jake@jake.jake".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            bio: None,
            image: None,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let printed = format!("{user:?} {user:#?}");
        assert!(!printed.contains("argon2"), "{printed}");
        assert!(printed.contains("jake@jake.jake") && printed.contains("<redacted>"), "{printed}");
    }
}
