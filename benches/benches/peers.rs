#![allow(
    missing_docs,
    reason = "criterion_group! and SeaORM's derives generate undocumented items"
)]
//! The peer ORMs of ../shared/BENCHMARKS.md, behind the `peers` feature (off by default):
//! W3, `save_all` of 1,000 new users on PostgreSQL, against SeaORM's `insert_many` of the same
//! rows into the same table. dal is measured without history (what SeaORM writes) and with it.
//!
//! ```sh
//! cargo bench -p benches --features peers --bench peers
//! ```

use std::time::Duration;

use benches::{HistoryUser, User, pg_url, seed};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use dal::Database;
use dal::types::{Utc, Uuid};
use sea_orm::{EntityTrait, IntoActiveModel};

/// `bench_users` as a SeaORM entity (the same 8 columns dal's `User` maps).
mod sea_user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub email: String,
        pub age: Option<i32>,
        pub version: i64,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        pub deleted_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const ROWS: u32 = 1000;

/// What SeaORM users write: models with their ids and timestamps set by the application.
fn sea_models() -> Vec<sea_user::ActiveModel> {
    let now = Utc::now();
    (0..ROWS)
        .map(|i| {
            sea_user::Model {
                id: Uuid::now_v7(),
                name: format!("user {i}"),
                email: format!("user{i}@example.com"),
                age: Some((i % 90) as i32),
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            }
            .into_active_model()
        })
        .collect()
}

fn peers(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let url = pg_url();
    let (db, sea) = match rt.block_on(async {
        let db = Database::connect(url.as_str()).await?;
        seed(&db, 10).await?;
        Ok::<_, dal::Error>(db)
    }) {
        Ok(db) => {
            let sea =
                rt.block_on(sea_orm::Database::connect(url.as_str())).expect("SeaORM connects");
            (db, sea)
        }
        Err(e) => {
            println!("SKIP|postgres|{e}");
            return;
        }
    };
    let mut g = c.benchmark_group("W3_save_all_1000_peers/postgres");
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    let users = (0..ROWS).map(User::seeded).collect::<Vec<_>>();
    let history = (0..ROWS).map(HistoryUser::seeded).collect::<Vec<_>>();
    let (db, sea, users, history) = (&db, &sea, &users, &history);
    g.bench_function("dal", |b| {
        b.to_async(&rt)
            .iter(|| async move { db.repo::<User>().save_all(users).await.expect("save_all") });
    });
    g.bench_function("dal_with_history", |b| {
        b.to_async(&rt).iter(|| async move {
            db.repo::<HistoryUser>().save_all(history).await.expect("save_all")
        });
    });
    g.bench_function("seaorm", |b| {
        b.to_async(&rt).iter_batched(
            sea_models,
            |models| async move {
                sea_user::Entity::insert_many(models).exec(sea).await.expect("insert_many")
            },
            criterion::BatchSize::PerIteration,
        );
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = peers
}
criterion_main!(benches);
