//! A pool belongs to one identity, password included: a wrong password never borrows the pool
//! a right one opened, a rotated password gets a pool of its own, and the manager forgets
//! closed pools. On MariaDB, whose test user has a password.

use std::time::Duration;

use dal::pool::PoolManager;
use dal::{Backend, Database, DbConfig, ErrorKind};
use tests::TestDb;

/// A MariaDB user with a password of its own, with every right on the test's database;
/// dropped at the end.
struct PasswordUser {
    admin: Database,
    name: String,
}

impl PasswordUser {
    async fn create(admin: &TestDb, password: &str) -> PasswordUser {
        let name = tests::unique_name("dal_pw");
        let db_name = admin.config().database_name().expect("a database").to_owned();
        admin
            .query(&format!("CREATE USER '{name}'@'%' IDENTIFIED BY '{password}'"))
            .execute()
            .await
            .expect("create user");
        admin
            .query(&format!("GRANT ALL ON `{db_name}`.* TO '{name}'@'%'"))
            .execute()
            .await
            .expect("grant");
        PasswordUser { admin: admin.db().clone(), name }
    }

    /// The test database's configuration as this user with `password`, under `alias`.
    fn config(&self, base: &DbConfig, password: &str, alias: &str) -> DbConfig {
        base.clone().user(&self.name).password(password).alias(alias).max_connections(2)
    }

    async fn drop_user(self) {
        let _ = self.admin.query(&format!("DROP USER '{}'@'%'", self.name)).execute().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_never_gets_the_pool_a_right_one_opened() {
    let Some(db) = TestDb::open(Backend::MySql, "wrong_password").await else { return };
    let right = format!("right-{}", tests::unique_name("pw"));
    let wrong = format!("wrong-{}", tests::unique_name("pw"));
    let user = PasswordUser::create(&db, &right).await;
    // One alias for both: everything but the password is the same, so is the hash.
    let alias = tests::unique_name("identity");
    let base = db.config().clone();
    let right_config = user.config(&base, &right, &alias);
    let wrong_config = user.config(&base, &wrong, &alias);
    assert_eq!(right_config.hash(), wrong_config.hash());

    let good = Database::connect(right_config.clone()).await.expect("the right password works");
    let tx = good.begin().await.expect("the right pool is open and in use");
    tx.query("SELECT 1").fetch_one().await.expect("runs");

    let e = Database::connect(wrong_config.clone()).await.expect_err("the wrong password fails");
    assert_eq!(e.kind(), ErrorKind::Config, "authentication is a configuration error: {e}");
    assert!(e.to_string().contains("Access denied"), "{e}");
    assert!(!e.to_string().contains(&wrong) && !e.to_string().contains(&right), "{e}");
    let manager = PoolManager::global();
    let right_pool = manager.pool(&right_config).expect("registered");
    let wrong_pool = manager.pool(&wrong_config).expect("registered");
    assert_eq!(right_pool.status().in_use, 1, "the transaction holds the right pool's connection");
    assert_eq!(wrong_pool.status().size, 0, "the wrong password's pool has no connection");
    assert_eq!(good.pool().status().size, 1);
    tx.commit().await.expect("commit");

    // Rotation: the new password gets a pool of its own; the old pool keeps working with the
    // sessions it authenticated.
    let rotated = format!("rotated-{}", tests::unique_name("pw"));
    db.query(&format!("ALTER USER '{}'@'%' IDENTIFIED BY '{rotated}'", user.name))
        .execute()
        .await
        .expect("rotate");
    let new = Database::connect(user.config(&base, &rotated, &alias)).await.expect("rotated");
    new.query("SELECT 1").fetch_one().await.expect("the new password works");
    good.query("SELECT 1").fetch_one().await.expect("the old pool's session still works");
    let under_hash = manager.list().into_iter().filter(|s| s.hash == right_config.hash()).count();
    assert_eq!(under_hash, 3, "right, wrong and rotated: three pools under one hash");

    // Closed pools leave the manager.
    for pool in [good.pool(), new.pool(), &wrong_pool] {
        pool.close(Duration::from_secs(5)).await;
    }
    let under_hash = manager.list().into_iter().filter(|s| s.hash == right_config.hash()).count();
    assert_eq!(under_hash, 0, "closed pools are dropped from the registry");
    assert!(manager.get(right_config.hash()).is_none());
    user.drop_user().await;
}
