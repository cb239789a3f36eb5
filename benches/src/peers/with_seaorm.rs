//! SeaORM 2.0 on `bench_users`: R1, R2, W1 and W3 as a SeaORM user writes them. SeaORM reads
//! a `UUID` column as `Uuid`, but dal's `CHAR(36)` (MariaDB) and `TEXT` (SQLite) ids only as
//! `String` (its sqlx decoding of `Uuid` wants 16 bytes there), so those two backends use a
//! model whose id is the hyphenated text.
#![allow(missing_docs, reason = "SeaORM's derives generate undocumented items")]

use std::time::Duration;

use dal::query::Dialect;
use dal::types::{DateTime, Utc, Uuid};
use sea_orm::{
    ColumnTrait, ConnectOptions, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::PeerResult;

/// `bench_users` where the id is a native `UUID` (PostgreSQL).
pub mod uuid_user {
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

/// `bench_users` where the id is hyphenated text (MariaDB's `CHAR(36)`, SQLite's `TEXT`).
pub mod text_user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
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

/// A SeaORM connection (its sqlx pool) to one backend.
#[derive(Debug, Clone)]
pub struct Sea {
    db: DatabaseConnection,
    dialect: Dialect,
}

/// The `i`-th new user as SeaORM users write it: id and timestamps set by the application.
macro_rules! model {
    ($module:ident, $id:expr, $i:expr, $now:expr) => {
        $module::Model {
            id: $id,
            name: format!("user {}", $i),
            email: format!("user{}@example.com", $i),
            age: Some(($i % 90) as i32),
            version: 1,
            created_at: $now,
            updated_at: $now,
            deleted_at: None,
        }
    };
}

/// A SeaORM model of either id type, as the workloads return it.
#[derive(Debug, Clone, PartialEq)]
pub enum SeaUser {
    /// From the `UUID` model.
    Uuid(uuid_user::Model),
    /// From the text-id model.
    Text(text_user::Model),
}

impl Sea {
    /// Connects to `url` (for SQLite a file path): a pool of dal's default size (10) without
    /// the ping before every acquire, and without SeaORM's statement logging.
    pub async fn connect(dialect: Dialect, url: &str) -> PeerResult<Self> {
        let url = match dialect {
            Dialect::Sqlite => format!("sqlite://{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let mut options = ConnectOptions::new(url);
        options
            .max_connections(10)
            .test_before_acquire(false)
            .sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10));
        Ok(Sea { db: sea_orm::Database::connect(options).await?, dialect })
    }

    /// The `i`-th new user, with a fresh UUID v7 and both timestamps `now`.
    fn new_model(&self, i: u32, now: DateTime<Utc>) -> SeaUser {
        if self.dialect == Dialect::Postgres {
            SeaUser::Uuid(model!(uuid_user, Uuid::now_v7(), i, now))
        } else {
            SeaUser::Text(model!(text_user, Uuid::now_v7().hyphenated().to_string(), i, now))
        }
    }

    /// R1: the live user with `id`.
    pub async fn get(&self, id: Uuid) -> PeerResult<Option<SeaUser>> {
        Ok(if self.dialect == Dialect::Postgres {
            uuid_user::Entity::find_by_id(id)
                .filter(uuid_user::Column::DeletedAt.is_null())
                .one(&self.db)
                .await?
                .map(SeaUser::Uuid)
        } else {
            text_user::Entity::find_by_id(id.hyphenated().to_string())
                .filter(text_user::Column::DeletedAt.is_null())
                .one(&self.db)
                .await?
                .map(SeaUser::Text)
        })
    }

    /// R2: live users with an age of at least `min_age`, by id, at most `limit`.
    pub async fn find(&self, min_age: i32, limit: u64) -> PeerResult<Vec<SeaUser>> {
        Ok(if self.dialect == Dialect::Postgres {
            use uuid_user::{Column, Entity};
            let rows = Entity::find()
                .filter(Column::Age.gte(min_age))
                .filter(Column::DeletedAt.is_null())
                .order_by_asc(Column::Id)
                .limit(limit)
                .all(&self.db)
                .await?;
            rows.into_iter().map(SeaUser::Uuid).collect()
        } else {
            use text_user::{Column, Entity};
            let rows = Entity::find()
                .filter(Column::Age.gte(min_age))
                .filter(Column::DeletedAt.is_null())
                .order_by_asc(Column::Id)
                .limit(limit)
                .all(&self.db)
                .await?;
            rows.into_iter().map(SeaUser::Text).collect()
        })
    }

    /// W1: inserts one new user.
    pub async fn insert(&self, i: u32) -> PeerResult<()> {
        match self.new_model(i, Utc::now()) {
            SeaUser::Uuid(m) => {
                uuid_user::Entity::insert(m.into_active_model()).exec(&self.db).await?;
            }
            SeaUser::Text(m) => {
                text_user::Entity::insert(m.into_active_model()).exec(&self.db).await?;
            }
        }
        Ok(())
    }

    /// W3: `insert_many` of `n` new users in one statement.
    pub async fn insert_many(&self, n: u32) -> PeerResult<()> {
        let now = Utc::now();
        if self.dialect == Dialect::Postgres {
            let models =
                (0..n).map(|i| model!(uuid_user, Uuid::now_v7(), i, now).into_active_model());
            uuid_user::Entity::insert_many(models).exec(&self.db).await?;
        } else {
            let models = (0..n).map(|i| {
                model!(text_user, Uuid::now_v7().hyphenated().to_string(), i, now)
                    .into_active_model()
            });
            text_user::Entity::insert_many(models).exec(&self.db).await?;
        }
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(self) -> PeerResult<()> {
        Ok(self.db.close().await?)
    }
}
