#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! R1, R2, R3, W1-W4 of ../shared/BENCHMARKS.md on SQLite, PostgreSQL and MariaDB in one run:
//! dal's public API against the same work written by hand on sqlx (`benches::hand`). Each
//! group is `<workload>/<backend>` with the functions `dal` and `sqlx`; the figure is the ratio
//! of their medians. A backend whose server is unreachable is skipped with the reason printed.

use std::time::Instant;

use benches::hand::{self, HandPool};
use benches::{
    HistoryUser, HistoryUserPatch, MEDIUM_PATTERN, MEDIUM_SQL, MIN_AGE, Post, R2_SEEDED, User,
    UserPatch, backend_name, seed, seed_posts,
};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use dal::Database;
use dal::query::Dialect;
use dal::types::Uuid;
use tokio::runtime::Runtime;

/// Users with posts (two each) for R3.
const POSTED: usize = 2_000;

/// One backend, reached by dal and by sqlx by hand.
struct Target {
    dialect: Dialect,
    db: Database,
    hand: HandPool,
    /// Ids of the seeded users, oldest first.
    ids: Vec<Uuid>,
    /// Two users with history, one for each system (W2, W4 with history).
    history_ids: [Uuid; 2],
}

impl Target {
    fn name(&self) -> &'static str {
        backend_name(self.dialect)
    }
}

/// Connects dal and sqlx to one backend and seeds it.
async fn connect(dialect: Dialect, dal_url: String, hand_url: String) -> Result<Target, String> {
    let name = backend_name(dialect);
    let db = Database::connect(dal_url).await.map_err(|e| format!("dal cannot connect: {e}"))?;
    let ids = seed(&db, R2_SEEDED).await.map_err(|e| format!("seeding failed: {e}"))?;
    seed_posts(&db, &ids[..POSTED]).await.map_err(|e| format!("seeding posts failed: {e}"))?;
    let hand = HandPool::connect(dialect, &hand_url)
        .await
        .map_err(|e| format!("sqlx cannot connect: {e}"))?;
    let history = db.repo::<HistoryUser>();
    let mut history_ids = [Uuid::nil(); 2];
    for (i, slot) in history_ids.iter_mut().enumerate() {
        *slot = history
            .save(&HistoryUser::seeded(i as u32))
            .await
            .map_err(|e| format!("seeding failed: {e}"))?
            .id;
    }
    match hand.server_version().await {
        Ok(v) => println!("VERSION|{name}|{v}"),
        Err(e) => println!("VERSION|{name}|unknown ({e})"),
    }
    Ok(Target { dialect, db, hand, ids, history_ids })
}

/// Every reachable backend; the others are named with the reason they were skipped.
fn targets(rt: &Runtime) -> Vec<Target> {
    benches::reachable(rt, "bench", connect)
}

/// A group `<workload>/<backend>` with the short timings that keep the suite in minutes.
fn group<'c>(c: &'c mut Criterion, workload: &str, t: &Target) -> BenchmarkGroup<'c, WallTime> {
    c.benchmark_group(format!("{workload}/{}", t.name()))
}

/// For groups whose one iteration takes milliseconds: every sample runs the same count.
fn slow(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
}

/// History rows `bench_users_h_history` holds for `id`: read through dal, once per workload,
/// so that a side that skipped its history write fails the bench instead of looking fast.
fn history_rows(rt: &Runtime, t: &Target, id: Uuid) -> i64 {
    let count =
        t.db.query("SELECT COUNT(*) FROM bench_users_h_history WHERE id = ?").bind(id).fetch_one();
    rt.block_on(count).expect("history count").get(0).expect("count")
}

/// The SQL-text check: the by-hand side must send the text dal sends, where the server can
/// show another session's last statement (PostgreSQL); a difference or a failed check fails
/// the bench.
fn same_sql_as_dal(rt: &Runtime, t: &Target, workload: &str, sql: &str) {
    match rt.block_on(t.hand.pg_other_session_ran(sql)) {
        Ok(Some(true)) => println!("SQLCHECK|{workload}|{}|same", t.name()),
        Ok(Some(false)) => {
            panic!("{workload} on {}: dal did not send the by-hand text {sql}", t.name())
        }
        Ok(None) => println!("SQLCHECK|{workload}|{}|not visible on this server", t.name()),
        Err(e) => panic!("{workload} on {}: the SQL-text check failed: {e}", t.name()),
    }
}

fn r1_get_by_id(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let mut g = group(c, "R1_get_by_id", t);
    let ids = &t.ids;
    let users = &t.db.repo::<User>();
    // Both sides read the same row before either is timed.
    for &id in [ids[0], ids[ids.len() / 2], ids[ids.len() - 1]].iter() {
        let by_dal = rt.block_on(users.get(id)).expect("get").expect("row");
        let by_hand = rt.block_on(t.hand.get(id)).expect("get").expect("row");
        assert_eq!(by_dal, by_hand, "R1: dal and sqlx by hand read different rows for {id}");
    }
    let mut i = 0;
    g.bench_function("dal", |b| {
        b.to_async(rt).iter(|| {
            i += 1;
            let id = ids[i % ids.len()];
            async move { users.get(id).await.expect("get").expect("row") }
        });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter(|| {
            i += 1;
            let id = ids[i % ids.len()];
            let hand = &t.hand;
            async move { hand.get(id).await.expect("get").expect("row") }
        });
    });
    g.finish();
}

/// R1 with one connection held by each side for the whole measurement: no pool on either,
/// so the ratio is the cost of dal's query path and mapping alone.
fn r1_get_by_id_held(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let mut g = group(c, "R1_get_by_id_held", t);
    let ids = &t.ids;
    g.bench_function("dal", |b| {
        b.to_async(rt).iter_custom(|iters| async move {
            let conn = t.db.connection().await.expect("connection");
            let users = conn.repo::<User>();
            let start = Instant::now();
            for i in 0..iters as usize {
                users.get(ids[i % ids.len()]).await.expect("get").expect("row");
            }
            start.elapsed()
        });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter_custom(|iters| async move {
            let mut conn = t.hand.acquire().await.expect("connection");
            let start = Instant::now();
            for i in 0..iters as usize {
                conn.get(ids[i % ids.len()]).await.expect("get").expect("row");
            }
            start.elapsed()
        });
    });
    g.finish();
}

fn r2_find(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let users = &t.db.repo::<User>();
    for n in [1_u64, 100, 10_000] {
        let sql = hand::find_sql(t.dialect, n);
        let dal_find = move || {
            users.find().filter(User::AGE.ge(MIN_AGE)).order_by(User::ID.asc()).limit(n).all()
        };
        // The by-hand text must be the text dal sends: ask PostgreSQL after one run of dal's.
        let found = rt.block_on(dal_find()).expect("find");
        assert_eq!(found.len() as u64, n, "R2 needs {n} matching rows");
        same_sql_as_dal(rt, t, &format!("R2_find_{n}"), sql);
        let by_hand = rt.block_on(t.hand.find(sql, MIN_AGE)).expect("find");
        assert_eq!(found, by_hand, "R2_find_{n}: dal and sqlx by hand read different rows");
        let mut g = group(c, &format!("R2_find_{n}"), t);
        if n >= 10_000 {
            slow(&mut g);
        }
        g.bench_function("dal", |b| {
            b.to_async(rt).iter(|| async move { dal_find().await.expect("find") });
        });
        g.bench_function("sqlx", |b| {
            b.to_async(rt).iter(|| async move { t.hand.find(sql, MIN_AGE).await.expect("find") });
        });
        g.finish();
    }
}

fn r3_medium(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let db = &t.db;
    // What `sql!` sends on this backend, rewritten once for the by-hand side.
    let native: &'static str =
        Box::leak(t.dialect.rewrite_placeholders(MEDIUM_SQL).expect("R3 SQL").sql.into_boxed_str());
    // `sql_as!` takes a literal: the text of MEDIUM_SQL, checked below.
    let query = || {
        dal::sql_as!(
            Post,
            "SELECT p.id, p.user_id, p.title, p.body, p.published \
             FROM bench_posts p JOIN bench_users u ON u.id = p.user_id \
             WHERE u.name LIKE ? AND u.deleted_at IS NULL ORDER BY p.id LIMIT 100",
            MEDIUM_PATTERN
        )
    };
    assert_eq!(query().sql().source, MEDIUM_SQL, "the sql_as! text is MEDIUM_SQL");
    assert_eq!(query().sql().for_dialect(t.dialect).expect("text"), native, "one text for both");
    let q = &query();
    let dal_medium = move || q.fetch_all(db);
    let found = rt.block_on(dal_medium()).expect("R3");
    assert_eq!(found.len(), 100, "R3 needs 100 matching posts");
    let by_hand = rt.block_on(t.hand.medium(native, MEDIUM_PATTERN)).expect("R3");
    assert_eq!(found, by_hand, "R3: dal and sqlx by hand read different rows");
    let mut g = group(c, "R3_medium_query", t);
    g.bench_function("dal", |b| {
        b.to_async(rt).iter(|| async move { dal_medium().await.expect("R3") });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt)
            .iter(|| async move { t.hand.medium(native, MEDIUM_PATTERN).await.expect("R3") });
    });
    g.finish();
}

fn w1_insert(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let new_user = &User::seeded(1);
    let users = &t.db.repo::<User>();
    let mut g = group(c, "W1_insert", t);
    g.bench_function("dal", |b| {
        b.to_async(rt).iter(|| async move { users.save(new_user).await.expect("save") });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter(|| async move { t.hand.insert(new_user).await.expect("insert") });
    });
    g.finish();

    let new_user = &HistoryUser::seeded(1);
    let users = &t.db.repo::<HistoryUser>();
    // Each side's insert writes its history row.
    let by_dal = rt.block_on(users.save(new_user)).expect("save");
    let by_hand = rt.block_on(t.hand.insert_with_history(new_user)).expect("insert");
    for (side, id) in [("dal", by_dal.id), ("sqlx", by_hand.id)] {
        assert_eq!(
            history_rows(rt, t, id),
            1,
            "W1_insert_history: {side}'s insert wrote no history"
        );
    }
    let mut g = group(c, "W1_insert_history", t);
    g.bench_function("dal", |b| {
        b.to_async(rt).iter(|| async move { users.save(new_user).await.expect("save") });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt)
            .iter(|| async move { t.hand.insert_with_history(new_user).await.expect("insert") });
    });
    g.finish();
}

/// The other of two ages, so that every save changes something.
fn toggled(age: Option<i32>) -> Option<i32> {
    Some(if age == Some(1) { 2 } else { 1 })
}

fn w2_update(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let users = &t.db.repo::<HistoryUser>();
    let read = move |id| async move { users.get(id).await.expect("get").expect("row") };
    // Each side's update writes one history row.
    for (side, id) in [("dal", t.history_ids[0]), ("sqlx", t.history_ids[1])] {
        let before = history_rows(rt, t, id);
        let mut e = rt.block_on(read(id));
        e.age = toggled(e.age);
        let saved = match side {
            "dal" => rt.block_on(users.save(&e)).expect("save"),
            _ => rt.block_on(t.hand.update_with_history(&e)).expect("update"),
        };
        assert_eq!(saved.age, e.age, "W2: {side} saved the change");
        assert_eq!(history_rows(rt, t, id), before + 1, "W2: {side}'s update wrote no history");
    }
    let mut g = group(c, "W2_update_history", t);
    g.bench_function("dal", |b| {
        b.to_async(rt).iter_custom(|iters| async move {
            let mut e = read(t.history_ids[0]).await;
            let start = Instant::now();
            for _ in 0..iters {
                e.age = toggled(e.age);
                e = users.save(&e).await.expect("save");
            }
            start.elapsed()
        });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter_custom(|iters| async move {
            let mut e = read(t.history_ids[1]).await;
            let start = Instant::now();
            for _ in 0..iters {
                e.age = toggled(e.age);
                e = t.hand.update_with_history(&e).await.expect("update");
            }
            start.elapsed()
        });
    });
    g.finish();
}

fn w3_save_all(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let users = &t.db.repo::<HistoryUser>();
    for n in [100_u32, 1000] {
        let batch = &(0..n).map(HistoryUser::seeded).collect::<Vec<_>>();
        // Each side writes every row and a history row for each.
        let by_dal = rt.block_on(users.save_all(batch)).expect("save_all");
        let by_hand = rt.block_on(t.hand.save_all_with_history(batch)).expect("save_all");
        for (side, saved) in [("dal", &by_dal), ("sqlx", &by_hand)] {
            assert_eq!(saved.len(), n as usize, "W3_{n}: {side} saved every row");
            for e in [&saved[0], &saved[saved.len() - 1]] {
                assert_eq!(history_rows(rt, t, e.id), 1, "W3_{n}: {side} wrote no history");
            }
        }
        let mut g = group(c, &format!("W3_save_all_{n}_history"), t);
        slow(&mut g);
        g.bench_function("dal", |b| {
            b.to_async(rt).iter(|| async move { users.save_all(batch).await.expect("save_all") });
        });
        g.bench_function("sqlx", |b| {
            b.to_async(rt).iter(|| async move {
                t.hand.save_all_with_history(batch).await.expect("save_all")
            });
        });
        g.finish();
    }
}

fn w4_patch(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let users = &t.db.repo::<User>();
    let (dal_id, hand_id) = (t.ids[0], t.ids[1]);
    let mut g = group(c, "W4_patch", t);
    let mut age = Some(0);
    g.bench_function("dal", |b| {
        b.to_async(rt).iter(|| {
            age = toggled(age);
            let patch = UserPatch { age: Some(age), ..Default::default() };
            async move { users.patch(dal_id, patch).await.expect("patch").expect("row") }
        });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter(|| {
            age = toggled(age);
            let (hand, value) = (&t.hand, age.unwrap_or_default());
            async move { hand.patch_age(hand_id, value).await.expect("patch").expect("row") }
        });
    });
    g.finish();

    let users = &t.db.repo::<HistoryUser>();
    let [dal_id, hand_id] = t.history_ids;
    // Each side's patch writes one history row.
    let before = [history_rows(rt, t, dal_id), history_rows(rt, t, hand_id)];
    let patch = HistoryUserPatch { age: Some(Some(7)), ..Default::default() };
    let by_dal = rt.block_on(users.patch(dal_id, patch)).expect("patch").expect("row");
    let by_hand = rt.block_on(t.hand.patch_age_with_history(hand_id, 7)).expect("patch");
    assert_eq!((by_dal.age, by_hand.expect("row").age), (Some(7), Some(7)), "W4: both patched");
    let after = [history_rows(rt, t, dal_id), history_rows(rt, t, hand_id)];
    assert_eq!(after, [before[0] + 1, before[1] + 1], "W4: a patch wrote no history (dal, sqlx)");
    let mut g = group(c, "W4_patch_history", t);
    g.bench_function("dal", |b| {
        b.to_async(rt).iter(|| {
            age = toggled(age);
            let patch = HistoryUserPatch { age: Some(age), ..Default::default() };
            async move { users.patch(dal_id, patch).await.expect("patch").expect("row") }
        });
    });
    g.bench_function("sqlx", |b| {
        b.to_async(rt).iter(|| {
            age = toggled(age);
            let (hand, value) = (&t.hand, age.unwrap_or_default());
            async move {
                hand.patch_age_with_history(hand_id, value).await.expect("patch").expect("row")
            }
        });
    });
    g.finish();
}

fn workloads(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let targets = targets(&rt);
    for t in &targets {
        r1_get_by_id(c, &rt, t);
        r1_get_by_id_held(c, &rt, t);
        r2_find(c, &rt, t);
        r3_medium(c, &rt, t);
        w1_insert(c, &rt, t);
        w2_update(c, &rt, t);
        w3_save_all(c, &rt, t);
        w4_patch(c, &rt, t);
    }
    for t in &targets {
        rt.block_on(t.hand.close());
    }
}

criterion_group! {
    name = benches;
    config = benches::short_runs();
    targets = workloads
}
criterion_main!(benches);
