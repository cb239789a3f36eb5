//! Conduit on every backend: the RealWorld project's own Postman collection run unchanged with
//! Newman against the built `conduit` binary ([`newman`]), and checks of what the collection
//! cannot see (statements per list, revisions, soft delete, unique indexes) against the router
//! in-process ([`checks`] over [`app`]).
//!
//! Each test gets an isolated database (`tests::TestDb`: a PostgreSQL schema, a MariaDB
//! database, an SQLite file). Newman comes from the npm registry through `npx` (`.ci/run` fills
//! npm's cache); without it the Newman tests print why and skip, unless `DAL_REQUIRE_SERVERS`
//! is set, as for an unreachable server.

mod app;
mod checks;
mod newman;

/// The key the servers under test sign tokens with.
const SECRET: &str = "conduit-test-secret";

/// One module per backend, so every test name says where it ran (`conduit::sqlite::…`):
/// `per_backend!(file::test, …)` makes `conduit::postgres::test`, `conduit::mysql::test` and
/// `conduit::sqlite::test`, each calling `file::test(backend)`.
macro_rules! per_backend {
    ($($file:ident::$test:ident),* $(,)?) => {
        mod conduit {
            per_backend!(@backend postgres, Postgres, $($file::$test),*);
            per_backend!(@backend mysql, MySql, $($file::$test),*);
            per_backend!(@backend sqlite, Sqlite, $($file::$test),*);
        }
    };
    (@backend $module:ident, $backend:ident, $($file:ident::$test:ident),*) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    crate::$file::$test(dal::Backend::$backend).await;
                }
            )*
        }
    };
}

per_backend!(
    newman::realworld_postman_collection_passes,
    checks::a_page_of_20_articles_takes_as_many_statements_as_a_page_of_1,
    checks::revisions_list_each_version_and_delete_only_hides,
    checks::taken_names_are_422_and_the_unique_indexes_hold,
);
