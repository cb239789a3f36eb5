//! The JSON the API answers with, in the spec's shapes and names (camelCase), built from
//! entities and what was loaded beside them.

use dal::types::{DateTime, Utc};
use serde::Serialize;

use super::entities::{Article, Comment, User};

/// A time as the spec's clients expect it: RFC 3339 in UTC with milliseconds
/// (`2024-05-01T12:00:00.000Z`), the same on every backend whatever precision it stores.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `{"user": {...}}`: the signed-in user, with a fresh token.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UserView {
    /// The e-mail address.
    pub email: String,
    /// A token for the `Authorization: Token …` header.
    pub token: String,
    /// The username.
    pub username: String,
    /// The bio, `null` when unset.
    pub bio: Option<String>,
    /// The picture's URL, `null` when unset.
    pub image: Option<String>,
}

impl UserView {
    /// The view of `user` with `token`.
    pub fn new(user: User, token: String) -> Self {
        UserView {
            email: user.email,
            token,
            username: user.username,
            bio: user.bio,
            image: user.image,
        }
    }
}

/// A user as others see them: `{"profile": {...}}` and every `author`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProfileView {
    /// The username.
    pub username: String,
    /// The bio, `null` when unset.
    pub bio: Option<String>,
    /// The picture's URL, `null` when unset.
    pub image: Option<String>,
    /// Whether the signed-in user follows them (`false` for anonymous requests).
    pub following: bool,
}

impl ProfileView {
    /// The profile of `user`, followed or not by whoever asks.
    pub fn new(user: &User, following: bool) -> Self {
        ProfileView {
            username: user.username.clone(),
            bio: user.bio.clone(),
            image: user.image.clone(),
            following,
        }
    }
}

/// An article with its tags, favorites and author.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ArticleView {
    /// The name in URLs.
    pub slug: String,
    /// The title.
    pub title: String,
    /// The summary.
    pub description: String,
    /// The text: present for one article, left out of lists (the spec's list items have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The tag names, in alphabetical order.
    pub tag_list: Vec<String>,
    /// When it was written.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Whether the signed-in user favorited it.
    pub favorited: bool,
    /// How many users favorited it.
    pub favorites_count: i64,
    /// Who wrote it.
    pub author: ProfileView,
}

impl ArticleView {
    /// The view of `article` with what was loaded beside it; `tags` in any order.
    pub fn new(
        article: &Article,
        mut tags: Vec<String>,
        favorited: bool,
        favorites_count: i64,
        author: ProfileView,
    ) -> Self {
        tags.sort();
        ArticleView {
            slug: article.slug.clone(),
            title: article.title.clone(),
            description: article.description.clone(),
            body: Some(article.body.clone()),
            tag_list: tags,
            created_at: timestamp(article.created_at),
            updated_at: timestamp(article.updated_at),
            favorited,
            favorites_count,
            author,
        }
    }
}

/// A comment with its author.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    /// The comment's id (an integer).
    pub id: i64,
    /// When it was written.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// The text.
    pub body: String,
    /// Who wrote it.
    pub author: ProfileView,
}

impl CommentView {
    /// The view of `comment` by `author`.
    pub fn new(comment: &Comment, author: ProfileView) -> Self {
        CommentView {
            id: comment.id.0,
            created_at: timestamp(comment.created_at),
            updated_at: timestamp(comment.updated_at),
            body: comment.body.clone(),
            author,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern the RealWorld collection checks every `createdAt` and `updatedAt` with.
    fn matches_the_collections_pattern(text: &str) -> bool {
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
        b.len() == 24
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && b[10] == b'T'
            && digits(11..13)
            && digits(14..16)
            && digits(17..19)
            && b[19] == b'.'
            && digits(20..23)
            && b[23] == b'Z'
    }

    #[test]
    fn timestamps_always_carry_milliseconds_and_z() {
        let whole: DateTime<Utc> = "2024-05-01T12:00:00Z".parse().expect("a time");
        assert_eq!(timestamp(whole), "2024-05-01T12:00:00.000Z");
        let fine: DateTime<Utc> = "2024-05-01T12:00:00.123456789Z".parse().expect("a time");
        assert_eq!(timestamp(fine), "2024-05-01T12:00:00.123Z");
        assert!(matches_the_collections_pattern(&timestamp(fine)));
    }
}
