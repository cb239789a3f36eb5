#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! S1 of ../shared/BENCHMARKS.md: `dal::blocking` on SQLite against rusqlite by hand, on the
//! same database file:
//!
//! - `S1_get_by_id/sqlite`: one `get` of an existing `User` (dal: `Repo::get`; rusqlite: the
//!   same statement dal runs, `prepare_cached` + `query_row`, the row mapped to `User`);
//! - `S1_trivial_query_<N>/sqlite`: D1's trivial query, every user of a table of N (1, 100,
//!   10,000) into `D1User` (dal: `query(…).fetch_all_as()`; rusqlite: `query_map`).
//!
//! Functions: `dal_blocking` and `rusqlite`; the figure is their ratio (target: within 1.2x).
//! Both run statements on the calling thread: `dal::blocking` on SQLite uses the rusqlite
//! driver (`dal-rusqlite`), so the figure is the cost of dal's layers over rusqlite (pool
//! lease, statement pipeline, rows copied into `Row`s and mapped).
//!
//! ```sh
//! cargo bench -p benches --bench s1_blocking
//! ```

use std::time::Duration;

use benches::d1::{self, D1User, TRIVIAL_SQL};
use benches::{User, fresh_sqlite_file, seed};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use dal::Entity;
use dal::query::Dialect;
use dal::types::{DateTime, Utc, Uuid};
use rusqlite::OptionalExtension;

/// Users seeded for the get by id.
const SEEDED: u32 = 1000;

/// A `User` from a rusqlite row of dal's `select_live_by_id` (id as hyphenated text,
/// timestamps as RFC 3339 text).
fn user_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let id: String = row.get(0)?;
    let id = Uuid::parse_str(&id).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(User {
        id,
        name: row.get(1)?,
        email: row.get(2)?,
        age: row.get(3)?,
        version: row.get(4)?,
        created_at: row.get::<_, DateTime<Utc>>(5)?,
        updated_at: row.get::<_, DateTime<Utc>>(6)?,
        deleted_at: row.get::<_, Option<DateTime<Utc>>>(7)?,
    })
}

/// Every `D1User` of the trivial query, by rusqlite.
fn trivial(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<D1User>> {
    let mut st = conn.prepare_cached(TRIVIAL_SQL)?;
    let rows =
        st.query_map([], |r| Ok(D1User { id: r.get(0)?, name: r.get(1)?, hair_color: r.get(2)? }))?;
    rows.collect()
}

fn s1(c: &mut Criterion) {
    let file = fresh_sqlite_file();
    let path = file.display().to_string();
    // Seeding uses the async API on a runtime of its own, kept for the reseeds between
    // groups; `dal::blocking` is only ever called outside it.
    let seeder = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let async_db = seeder
        .block_on(dal::Database::connect(format!("sqlite://{path}?alias=s1_seed")))
        .expect("connect");
    let ids = seeder.block_on(seed(&async_db, SEEDED)).expect("seed");
    seeder.block_on(d1::create_tables(&async_db)).expect("tables");

    let db = dal::blocking::Database::connect(format!("sqlite://{path}?alias=s1_blocking"))
        .expect("dal::blocking connects");
    let lite = rusqlite::Connection::open(&file).expect("rusqlite opens");
    lite.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
    let get_sql = User::statements(Dialect::Sqlite).select_live_by_id;

    let mut g = c.benchmark_group("S1_get_by_id/sqlite");
    let users = db.repo::<User>();
    let mut i = 0;
    g.bench_function("dal_blocking", |b| {
        b.iter(|| {
            i += 1;
            users.get(ids[i % ids.len()]).expect("get").expect("row")
        });
    });
    g.bench_function("rusqlite", |b| {
        b.iter(|| {
            i += 1;
            let id = ids[i % ids.len()].hyphenated().to_string();
            let mut st = lite.prepare_cached(get_sql).expect("prepare");
            st.query_row([id], user_from).optional().expect("get").expect("row")
        });
    });
    g.finish();

    for n in [1_usize, 100, 10_000] {
        seeder.block_on(d1::reseed_users(&async_db, n, |_| None)).expect("seeding");
        let mut g = c.benchmark_group(format!("S1_trivial_query_{n}/sqlite"));
        if n >= 10_000 {
            g.sampling_mode(SamplingMode::Flat).sample_size(10);
        }
        g.bench_function("dal_blocking", |b| {
            b.iter(|| {
                let rows = db.query(TRIVIAL_SQL).fetch_all_as::<D1User>().expect("query");
                assert_eq!(rows.len(), n);
                rows
            });
        });
        g.bench_function("rusqlite", |b| {
            b.iter(|| {
                let rows = trivial(&lite).expect("query");
                assert_eq!(rows.len(), n);
                rows
            });
        });
        g.finish();
    }
    drop(lite);
    drop(db);
    for table in ["d1_comments", "d1_posts", "d1_users"] {
        let _ = seeder.block_on(async_db.query(&format!("DROP TABLE IF EXISTS {table}")).execute());
    }
}

criterion_group! {
    name = benches;
    config = benches::short_runs();
    targets = s1
}
criterion_main!(benches);
