//! The articles service: each public method is one transaction, and the [`Tags`] and
//! [`Profiles`] calls it makes join it (the transaction follows the task).

use std::collections::HashMap;

use dal::entity::{Change, Filter, Find};
use dal::prelude::*;

use super::super::entities::{Article, ArticleId, ArticleTag, Favorite, Follow, Tag, User, UserId};
use super::super::error::ApiError;
use super::super::profiles::Profiles;
use super::super::tags::Tags;
use super::super::views::ArticleView;
use super::present::views;
use super::revisions::{self, RevisionView};
use super::slug::slug_for;

/// Which articles a list shows: the filters of `GET /api/articles`, and a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Only articles with this tag.
    pub tag: Option<String>,
    /// Only articles by the user with this username.
    pub author: Option<String>,
    /// Only articles the user with this username favorited.
    pub favorited: Option<String>,
    /// At most this many.
    pub limit: u64,
    /// After skipping this many.
    pub offset: u64,
}

impl ListQuery {
    /// The filters as one condition, each through a relation (`EXISTS`), none by a join that
    /// could repeat an article.
    fn filter(&self) -> Option<Filter> {
        let mut all = Vec::new();
        if let Some(tag) = &self.tag {
            all.push(Article::TAGGINGS.any(ArticleTag::TAG.matches(Tag::NAME.eq(tag.as_str()))));
        }
        if let Some(author) = &self.author {
            all.push(Article::AUTHOR.matches(User::USERNAME.eq(author.as_str())));
        }
        if let Some(fan) = &self.favorited {
            all.push(
                Article::FAVORITES.any(Favorite::USER.matches(User::USERNAME.eq(fan.as_str()))),
            );
        }
        all.into_iter().reduce(Filter::and)
    }
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleChanges {
    /// A new title (and so a new slug).
    pub title: Option<String>,
    /// A new summary.
    pub description: Option<String>,
    /// A new text.
    pub body: Option<String>,
}

/// A new article, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    /// The title.
    pub title: String,
    /// The summary.
    pub description: String,
    /// The text.
    pub body: String,
    /// The tag names.
    pub tags: Vec<String>,
}

/// The articles service.
#[derive(Debug, Clone)]
pub struct Articles {
    db: Database,
    tags: Tags,
    profiles: Profiles,
}

impl Articles {
    /// The service over `db`, with the tags and profiles services it calls.
    pub fn new(db: Database, tags: Tags, profiles: Profiles) -> Self {
        Articles { db, tags, profiles }
    }

    /// A page of articles, newest first, and how many match in all.
    #[auto_transaction(read_only)]
    pub async fn list(
        &self,
        viewer: Option<UserId>,
        query: &ListQuery,
    ) -> Result<(Vec<ArticleView>, i64), ApiError> {
        self.page(viewer, query.filter(), query.limit, query.offset).await
    }

    /// A page of the articles by the authors `me` follows, newest first, and how many there
    /// are in all.
    #[auto_transaction(read_only)]
    pub async fn feed(
        &self,
        me: UserId,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<ArticleView>, i64), ApiError> {
        let followed = User::FOLLOWERS.any(Follow::FOLLOWER_ID.eq(me));
        self.page(Some(me), Some(Article::AUTHOR.matches(followed)), limit, offset).await
    }

    async fn page(
        &self,
        viewer: Option<UserId>,
        filter: Option<Filter>,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<ArticleView>, i64), ApiError> {
        let articles = self.db.repo::<Article>();
        let count = filtered(articles.find(), &filter).count().await?;
        let page = filtered(articles.find(), &filter)
            .order_by(Article::CREATED_AT.desc())
            .order_by(Article::ID.desc())
            .limit(limit)
            .offset(offset);
        Ok((views(&self.db, &self.profiles, viewer, page).await?, count))
    }

    /// The article with `slug` as `viewer` sees it: 404 when there is none (or it was deleted).
    #[auto_transaction(read_only)]
    pub async fn get(&self, viewer: Option<UserId>, slug: &str) -> Result<ArticleView, ApiError> {
        self.view(viewer, Article::SLUG.eq(slug)).await
    }

    /// Writes a new article by `author` with its tags, recording `author` in its history.
    #[auto_transaction]
    pub async fn create(&self, author: UserId, new: NewArticle) -> Result<ArticleView, ApiError> {
        let now = Utc::now();
        let article = Article {
            id: ArticleId(Uuid::nil()),
            slug: slug_for(&new.title),
            title: new.title,
            description: new.description,
            body: new.body,
            author_id: author,
            version: 0,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        let saved = self.db.repo::<Article>().save_with(&article, by(author)).await?;
        self.tags.attach(saved.id, &new.tags).await?;
        self.view(Some(author), Article::ID.eq(saved.id)).await
    }

    /// Changes `me`'s article `slug`: 403 for someone else's. A new title makes a new slug.
    #[auto_transaction]
    pub async fn update(
        &self,
        me: UserId,
        slug: &str,
        changes: ArticleChanges,
    ) -> Result<ArticleView, ApiError> {
        let mut article = self.owned(me, slug).await?;
        if let Some(title) = changes.title
            && title != article.title
        {
            article.slug = slug_for(&title);
            article.title = title;
        }
        if let Some(description) = changes.description {
            article.description = description;
        }
        if let Some(body) = changes.body {
            article.body = body;
        }
        let saved = self.db.repo::<Article>().save_with(&article, by(me)).await?;
        self.view(Some(me), Article::ID.eq(saved.id)).await
    }

    /// Deletes `me`'s article `slug` (a soft delete: it leaves the API, its history stays).
    #[auto_transaction]
    pub async fn delete(&self, me: UserId, slug: &str) -> Result<(), ApiError> {
        let article = self.owned(me, slug).await?;
        self.db.repo::<Article>().delete(article.id).await?;
        Ok(())
    }

    /// `me` favorites article `slug` (once, however often asked).
    #[auto_transaction]
    pub async fn favorite(&self, me: UserId, slug: &str) -> Result<ArticleView, ApiError> {
        let article = self.by_slug(slug).await?;
        let favorites = self.db.repo::<Favorite>();
        if !favorites.find().filter(mine(me, article.id)).exists().await? {
            let favorite = Favorite {
                id: Uuid::nil(),
                article_id: article.id,
                user_id: me,
                created_at: Utc::now(),
            };
            favorites.save(&favorite).await?;
        }
        self.view(Some(me), Article::ID.eq(article.id)).await
    }

    /// `me` no longer favorites article `slug` (nothing happens when `me` did not).
    #[auto_transaction]
    pub async fn unfavorite(&self, me: UserId, slug: &str) -> Result<ArticleView, ApiError> {
        let article = self.by_slug(slug).await?;
        let favorites = self.db.repo::<Favorite>();
        for favorite in favorites.find().filter(mine(me, article.id)).all().await? {
            favorites.delete_permanently(favorite.id).await?;
        }
        self.view(Some(me), Article::ID.eq(article.id)).await
    }

    /// Every version of article `slug`, oldest first, with who made it: the history, then the
    /// recorded users' names in one statement.
    #[auto_transaction(read_only)]
    pub async fn revisions(&self, slug: &str) -> Result<Vec<RevisionView>, ApiError> {
        let article = self.by_slug(slug).await?;
        let history = self.db.repo::<Article>().history(article.id).await?;
        let ids = revisions::recorded_users(&history);
        let names: HashMap<UserId, String> = if ids.is_empty() {
            HashMap::new()
        } else {
            let users = self.db.repo::<User>().find().filter(User::ID.is_in(ids)).all().await?;
            users.into_iter().map(|u| (u.id, u.username)).collect()
        };
        Ok(revisions::revisions(&history, &names))
    }

    /// The live article with `slug`: 404 when there is none.
    pub async fn by_slug(&self, slug: &str) -> Result<Article, ApiError> {
        self.db
            .repo::<Article>()
            .find()
            .filter(Article::SLUG.eq(slug))
            .one()
            .await?
            .ok_or_else(|| ApiError::not_found(format!("no article {slug}")))
    }

    /// [`Articles::by_slug`], and 403 unless `me` wrote it.
    async fn owned(&self, me: UserId, slug: &str) -> Result<Article, ApiError> {
        let article = self.by_slug(slug).await?;
        if article.author_id != me {
            return Err(ApiError::forbidden(format!("article {slug} is not yours to change")));
        }
        Ok(article)
    }

    /// The one article `filter` selects, as `viewer` sees it.
    async fn view(&self, viewer: Option<UserId>, filter: Filter) -> Result<ArticleView, ApiError> {
        let find = self.db.repo::<Article>().find().filter(filter).limit(1);
        views(&self.db, &self.profiles, viewer, find)
            .await?
            .pop()
            .ok_or_else(|| ApiError::not_found("no such article"))
    }
}

/// `find` with `filter`, if there is one.
fn filtered<'a>(find: Find<'a, Article>, filter: &Option<Filter>) -> Find<'a, Article> {
    match filter {
        Some(filter) => find.filter(filter.clone()),
        None => find,
    }
}

/// Who made a change, as the history records it: the user's id (names change; ids do not).
fn by(user: UserId) -> Change {
    Change::by(user.0.to_string())
}

/// `user`'s favorite of `article`.
fn mine(user: UserId, article: ArticleId) -> Filter {
    Favorite::USER_ID.eq(user).and(Favorite::ARTICLE_ID.eq(article))
}
