//! What the collection cannot see: statements per page, revisions and soft delete, the
//! unique indexes.

use dal::{Backend, ErrorKind};
use examples::conduit::entities::{Article, Follow, User, UserId};
use examples::conduit::schema::MAX_KEY_CHARS;
use reqwest::StatusCode;
use serde_json::json;
use tests::TestDb;

use crate::app::App;

/// `GET /api/articles` and the feed run as many statements for a page of 20 articles as for a
/// page of 1: the authors, tags, favorite counts, the viewer's favorites and follows are loaded
/// for the whole page at once.
pub async fn a_page_of_20_articles_takes_as_many_statements_as_a_page_of_1(backend: Backend) {
    let Some(test_db) = TestDb::open(backend, "conduit_statements").await else { return };
    let app = App::start(&test_db).await;
    let writer = app.register("writer").await;
    let reader = app.register("reader").await;
    let (status, _) = app.post("/profiles/writer/follow", Some(&reader), json!({})).await;
    assert_eq!(status, StatusCode::OK);

    let first = app.write(&writer, "Article 0").await;
    let (status, _) =
        app.post(&format!("/articles/{first}/favorite"), Some(&reader), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (one_signed_in, page) = app.statements("/articles", Some(&reader)).await;
    assert_eq!(page["articles"].as_array().map(Vec::len), Some(1), "{page}");
    let (one_anonymous, _) = app.statements("/articles", None).await;
    let (one_feed, feed) = app.statements("/articles/feed", Some(&reader)).await;
    assert_eq!(feed["articles"].as_array().map(Vec::len), Some(1), "{feed}");

    for i in 1..20 {
        let slug = app.write(&writer, &format!("Article {i}")).await;
        if i % 2 == 0 {
            let path = format!("/articles/{slug}/favorite");
            assert_eq!(app.post(&path, Some(&reader), json!({})).await.0, StatusCode::OK);
        }
    }
    let (twenty_signed_in, page) = app.statements("/articles", Some(&reader)).await;
    let articles = page["articles"].as_array().expect("articles");
    assert_eq!(articles.len(), 20, "{page}");
    assert_eq!(page["articlesCount"], json!(20));
    let favorited = articles.iter().filter(|a| a["favorited"] == json!(true)).count();
    assert_eq!(favorited, 10, "Article 0 and the 9 with an even number: {page}");
    assert!(articles.iter().all(|a| a["author"]["following"] == json!(true)), "{page}");
    assert!(articles.iter().all(|a| a["tagList"] == json!(["dal", "rust"])), "{page}");
    let (twenty_anonymous, _) = app.statements("/articles", None).await;
    let (twenty_feed, feed) = app.statements("/articles/feed", Some(&reader)).await;
    assert_eq!(feed["articles"].as_array().map(Vec::len), Some(20), "{feed}");

    assert_eq!(twenty_signed_in, one_signed_in, "{backend}: signed in, 20 articles against 1");
    assert_eq!(twenty_anonymous, one_anonymous, "{backend}: anonymous, 20 articles against 1");
    assert_eq!(twenty_feed, one_feed, "{backend}: the feed, 20 articles against 1");
    // The count, the page, authors, taggings, tags, favorite counts; signed in also the
    // viewer's favorites and follows.
    assert_eq!((one_anonymous, one_signed_in, one_feed), (6, 8, 8), "{backend}");
    app.stop().await;
}

/// `GET /api/articles/{slug}/revisions` lists every version with who made it and what it
/// changed; deleting the article hides it (and its revisions) from the API and keeps its
/// history in the database.
pub async fn revisions_list_each_version_and_delete_only_hides(backend: Backend) {
    let Some(test_db) = TestDb::open(backend, "conduit_revisions").await else { return };
    let app = App::start(&test_db).await;
    let author = app.register("author").await;
    let slug = app.write(&author, "First title").await;
    let retitle = json!({"article": {"title": "Second title"}});
    let (status, renamed) = app.put(&format!("/articles/{slug}"), &author, retitle).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    let renamed = renamed["article"]["slug"].as_str().expect("a slug").to_owned();
    assert!(renamed.starts_with("second-title-"), "a new title makes a new slug: {renamed}");
    let path = format!("/articles/{renamed}");
    let (status, _) = app.put(&path, &author, json!({"article": {"body": "new"}})).await;
    assert_eq!(status, StatusCode::OK);
    let other = app.register("other").await;
    let (status, refused) = app.put(&path, &other, json!({"article": {"body": "mine"}})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(app.delete(&path, &other).await, StatusCode::FORBIDDEN);

    let (status, body) = app.get(&format!("/articles/{renamed}/revisions"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let revisions = body["revisions"].as_array().expect("revisions");
    let summary: Vec<(i64, &str, &str, Vec<&str>)> = revisions
        .iter()
        .map(|r| {
            let fields = r["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .map(|c| c["field"].as_str().expect("a field"))
                .collect();
            (
                r["version"].as_i64().expect("a version"),
                r["operation"].as_str().expect("an operation"),
                r["changedBy"].as_str().expect("who"),
                fields,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "insert", "author", vec!["slug", "title", "description", "body"]),
            (2, "update", "author", vec!["slug", "title"]),
            (3, "update", "author", vec!["body"]),
        ],
        "{body}"
    );
    assert_eq!(
        revisions[1]["changes"][1],
        json!({"field": "title", "before": "First title", "after": "Second title"})
    );

    assert_eq!(app.delete(&path, &author).await, StatusCode::NO_CONTENT);
    for path in [format!("/articles/{renamed}"), format!("/articles/{renamed}/revisions")] {
        assert_eq!(app.get(&path, None).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, page) = app.get("/articles", None).await;
    assert_eq!(page["articlesCount"], json!(0), "{page}");
    let (_, tags) = app.get("/tags", None).await;
    assert_eq!(tags["tags"], json!([]), "a deleted article's tags are not in use: {tags}");

    let articles = test_db.repo::<Article>();
    let stored = articles
        .find()
        .include_deleted()
        .filter(Article::SLUG.eq(renamed.as_str()))
        .one()
        .await
        .expect("read")
        .expect("the row stays");
    assert!(stored.deleted_at.is_some(), "a soft delete");
    let history = articles.history(stored.id).await.expect("history");
    let operations: Vec<&str> = history.iter().map(|h| h.operation.as_str()).collect();
    assert_eq!(operations, ["insert", "update", "update", "delete"]);
    app.stop().await;
}

/// Taken usernames and e-mails are refused with the spec's 422 and a message naming the
/// field, and the unique constraints the entities declare refuse a duplicate written past the
/// checks (`ErrorKind::Constraint`, named on PostgreSQL and MariaDB) on every backend, a
/// duplicate follow pair included. A username of [`MAX_KEY_CHARS`] characters fits the column;
/// a longer one is the API's 422, not a database error.
pub async fn taken_names_are_422_and_the_unique_indexes_hold(backend: Backend) {
    let Some(test_db) = TestDb::open(backend, "conduit_unique").await else { return };
    let app = App::start(&test_db).await;
    app.register("alice").await;
    for (user, field) in [
        (json!({"username": "alice", "email": "new@example.com", "password": "pw"}), "username"),
        (json!({"username": "alicia", "email": "alice@example.com", "password": "pw"}), "email"),
    ] {
        let (status, body) = app.post("/users", None, json!({"user": user})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body, json!({"errors": {"body": [format!("{field} has already been taken")]}}));
    }
    let (status, body) = app.get("/user", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let users = test_db.repo::<User>();
    let alice = users.find().filter(User::USERNAME.eq("alice")).one().await.expect("read");
    let alice = alice.expect("alice");
    let twin = User {
        id: UserId(dal::types::Uuid::nil()),
        version: 0,
        email: "twin@example.com".into(),
        ..alice.clone()
    };
    let refused = users.save(&twin).await.expect_err("a second alice");
    assert_refused_by(&refused, backend, "users_username_key");
    let twin =
        User { id: UserId(dal::types::Uuid::nil()), version: 0, username: "twin".into(), ..alice };
    let refused = users.save(&twin).await.expect_err("a second alice@example.com");
    assert_refused_by(&refused, backend, "users_email_key");

    let bob = app.register("bob").await;
    let (status, body) = app.post("/profiles/alice/follow", Some(&bob), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let follows = test_db.repo::<Follow>();
    let pair = follows.find().one().await.expect("read").expect("bob follows alice");
    let again = Follow { id: dal::types::Uuid::nil(), ..pair };
    let refused = follows.save(&again).await.expect_err("a second bob → alice");
    assert_refused_by(&refused, backend, "follows_follower_id_followee_id_key");

    for (chars, expected) in [
        (MAX_KEY_CHARS, StatusCode::CREATED),
        (MAX_KEY_CHARS + 1, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let user = json!({"username": "l".repeat(chars), "email": format!("{chars}@example.com"), "password": "pw"});
        let (status, body) = app.post("/users", None, json!({"user": user})).await;
        assert_eq!(status, expected, "{chars} characters: {body}");
    }
    let user = json!({"username": "l".repeat(MAX_KEY_CHARS + 1), "email": "m@example.com", "password": "pw"});
    let (_, body) = app.post("/users", None, json!({"user": user})).await;
    let too_long = format!("username is too long (at most {MAX_KEY_CHARS} characters)");
    assert_eq!(body, json!({"errors": {"body": [too_long]}}), "the API's check, not the column's");
    app.stop().await;
}

/// `error` is a unique violation of `constraint`; SQLite reports no constraint names.
fn assert_refused_by(error: &dal::Error, backend: Backend, constraint: &str) {
    assert_eq!(error.kind(), ErrorKind::Constraint, "{error}");
    let expected = (backend != Backend::Sqlite).then_some(constraint);
    assert_eq!(error.constraint(), expected, "{error}");
}
