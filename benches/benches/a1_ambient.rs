#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]
//! A1: what the transaction that follows the task costs. W1 (insert one `User`) and W2 (update
//! one `HistoryUser`: version check, update, history row) each run in an `#[auto_transaction]`
//! in two forms, in the same run:
//!
//! - `service`: a method on `&self` of a service holding its `Database` in a field; the scope
//!   begins lazily, at the body's first statement, found through the task-local ambient scope;
//! - `handle_param`: a free function taking `db: &Database`; the scope begins on entry and the
//!   body runs on the transaction's own handle (the form that existed before).
//!
//! Groups `A1_W1_insert/<backend>` and `A1_W2_update_history/<backend>`; the figure is
//! `service / handle_param` (target: at most 1.03).
//!
//! ```sh
//! cargo bench -p benches --bench a1_ambient
//! ```

use std::time::Instant;

use benches::{HistoryUser, User, backend_name, seed};
use criterion::{Criterion, criterion_group, criterion_main};
use dal::prelude::*;
use dal::query::Dialect;
use tokio::runtime::Runtime;

/// A service with its handle in a field, as applications write them.
struct Users {
    db: Database,
}

impl Users {
    #[auto_transaction]
    async fn insert(&self, user: &User) -> dal::Result<User> {
        self.db.repo::<User>().save(user).await
    }

    #[auto_transaction]
    async fn update(&self, user: &HistoryUser) -> dal::Result<HistoryUser> {
        self.db.repo::<HistoryUser>().save(user).await
    }
}

#[auto_transaction]
async fn insert(db: &Database, user: &User) -> dal::Result<User> {
    db.repo::<User>().save(user).await
}

#[auto_transaction]
async fn update(db: &Database, user: &HistoryUser) -> dal::Result<HistoryUser> {
    db.repo::<HistoryUser>().save(user).await
}

struct Target {
    dialect: Dialect,
    users: Users,
    /// One user with history for each form (W2).
    history: [HistoryUser; 2],
}

async fn connect(dialect: Dialect, dal_url: String, _: String) -> Result<Target, String> {
    let db = Database::connect(dal_url).await.map_err(|e| format!("dal cannot connect: {e}"))?;
    seed(&db, 10).await.map_err(|e| format!("seeding failed: {e}"))?;
    let repo = db.repo::<HistoryUser>();
    let a = repo.save(&HistoryUser::seeded(0)).await.map_err(|e| e.to_string())?;
    let b = repo.save(&HistoryUser::seeded(1)).await.map_err(|e| e.to_string())?;
    Ok(Target { dialect, users: Users { db }, history: [a, b] })
}

/// The other of two ages, so that every save changes something.
fn toggled(age: Option<i32>) -> Option<i32> {
    Some(if age == Some(1) { 2 } else { 1 })
}

fn w1(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let (users, new_user) = (&t.users, &User::seeded(1));
    let mut g = c.benchmark_group(format!("A1_W1_insert/{}", backend_name(t.dialect)));
    g.bench_function("service", |b| {
        b.to_async(rt).iter(|| async move { users.insert(new_user).await.expect("insert") });
    });
    g.bench_function("handle_param", |b| {
        b.to_async(rt).iter(|| async move { insert(&users.db, new_user).await.expect("insert") });
    });
    g.finish();
}

fn w2(c: &mut Criterion, rt: &Runtime, t: &Target) {
    let users = &t.users;
    let mut g = c.benchmark_group(format!("A1_W2_update_history/{}", backend_name(t.dialect)));
    let first = &t.history[0];
    g.bench_function("service", |b| {
        b.to_async(rt).iter_custom(|iters| async move {
            let mut e =
                users.db.repo::<HistoryUser>().get(first.id).await.expect("get").expect("row");
            let start = Instant::now();
            for _ in 0..iters {
                e.age = toggled(e.age);
                e = users.update(&e).await.expect("update");
            }
            start.elapsed()
        });
    });
    let second = &t.history[1];
    g.bench_function("handle_param", |b| {
        b.to_async(rt).iter_custom(|iters| async move {
            let db = &users.db;
            let mut e = db.repo::<HistoryUser>().get(second.id).await.expect("get").expect("row");
            let start = Instant::now();
            for _ in 0..iters {
                e.age = toggled(e.age);
                e = update(db, &e).await.expect("update");
            }
            start.elapsed()
        });
    });
    g.finish();
}

fn a1(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let targets = benches::reachable(&rt, "a1", connect);
    for t in &targets {
        w1(c, &rt, t);
        w2(c, &rt, t);
    }
}

criterion_group! {
    name = benches;
    config = benches::short_runs();
    targets = a1
}
criterion_main!(benches);
