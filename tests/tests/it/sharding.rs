//! Shard routing over three isolated databases of one backend: entities saved under 1,000
//! keys (their `#[dal(shard_key)]` field) land where the rule says and are found there by key,
//! a fan-out find returns the union in the requested order, and what would span shards (a key
//! without a route, a transaction, a batch over several shards) is refused.

use dal::cluster::ShardedDatabase;
use dal::{Backend, Database, ErrorKind};
use tests::TestDb;

use crate::entities::{Member, TenantOrder};

const KEYS: usize = 1000;

fn key(i: usize) -> String {
    format!("tenant-{i:04}")
}

/// Three isolated databases with the `members` tables.
async fn three(backend: Backend, test: &str) -> Option<Vec<TestDb>> {
    let mut dbs = Vec::new();
    for n in 0..3 {
        let db = TestDb::open(backend, &format!("{test}_{n}")).await?;
        db.ensure_schema::<Member>().await.expect("schema");
        db.ensure_schema::<TenantOrder>().await.expect("schema");
        dbs.push(db);
    }
    Some(dbs)
}

/// Saves one member per key on its shard, then checks every shard holds exactly its keys.
async fn lands_where_the_rule_says(sharded: &ShardedDatabase) {
    for i in 0..KEYS {
        let k = key(i);
        let shard = sharded.shard(&k).expect("a route for every key");
        shard.repo::<Member>().save(&Member::new(&k)).await.expect("save");
    }
    orders_route_by_their_shard_key(sharded).await;
    let mut total = 0;
    for (index, shard) in sharded.shards().iter().enumerate() {
        let names: Vec<String> = shard
            .query("SELECT name FROM members")
            .fetch_all()
            .await
            .expect("names")
            .iter()
            .map(|row| row.get(0).expect("name"))
            .collect();
        for name in &names {
            assert_eq!(
                sharded.shard_index(name).expect("route"),
                index,
                "{name} is on the wrong shard"
            );
        }
        total += names.len();
    }
    assert_eq!(total, KEYS, "every key saved once");
}

/// Entities that name their shard key go to its shard by themselves and are found by key.
async fn orders_route_by_their_shard_key(sharded: &ShardedDatabase) {
    let mut saved = Vec::new();
    for i in 0..KEYS {
        let order = TenantOrder::new(&key(i), &format!("item {i}"));
        saved.push(sharded.save(&order).await.expect("save by shard key"));
    }
    for (index, shard) in sharded.shards().iter().enumerate() {
        let tenants: Vec<(String,)> =
            shard.query("SELECT tenant FROM tenant_orders").fetch_all_as().await.expect("tenants");
        for (tenant,) in &tenants {
            assert_eq!(sharded.shard_index(tenant).expect("route"), index, "{tenant} misplaced");
        }
    }
    let some = &saved[417];
    let found = sharded.repo::<TenantOrder>(&some.tenant).expect("route").get(some.id).await;
    assert_eq!(found.expect("get").as_ref(), Some(some), "found on its key's shard");
    // A batch on one shard goes in whole; one over several shards is refused before any write.
    let k = key(3);
    let batch = [TenantOrder::new(&k, "a"), TenantOrder::new(&k, "b")];
    assert_eq!(sharded.save_all(&batch).await.expect("one shard").len(), 2);
    let other = (0..KEYS)
        .map(key)
        .find(|k2| sharded.shard_index(k2).ok() != sharded.shard_index(&k).ok())
        .expect("a key on another shard");
    let mixed = [TenantOrder::new(&k, "c"), TenantOrder::new(&other, "d")];
    let e = sharded.save_all(&mixed).await.expect_err("two shards");
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(e.to_string().contains("more than one shard"), "{e}");
    let repo = sharded.repo::<TenantOrder>(&k).expect("route");
    let stored = repo.find().filter(TenantOrder::TENANT.eq(k.clone())).count().await;
    assert_eq!(stored.expect("count"), 3, "the refused batch wrote nothing");
}

async fn fan_out_merges_in_order(sharded: &ShardedDatabase) {
    let page = sharded
        .fan_out(
            |db: Database| async move {
                db.repo::<Member>().find().order_by(Member::NAME.desc()).limit(25).all().await
            },
            |a: &Member, b: &Member| b.name.cmp(&a.name),
            Some(25),
        )
        .await
        .expect("fan-out");
    let expected: Vec<String> = (KEYS - 25..KEYS).rev().map(key).collect();
    let got: Vec<String> = page.into_iter().map(|m| m.name).collect();
    assert_eq!(got, expected, "the union's first 25 in descending name order");
}

async fn routes_on(backend: Backend) {
    let Some(dbs) = three(backend, "shard_map").await else { return };
    let shards: Vec<Database> = dbs.iter().map(|d| d.db().clone()).collect();
    // An explicit map: key i on shard (7 * i) % 3.
    let map = (0..KEYS).map(|i| (key(i), (7 * i) % 3));
    let sharded = ShardedDatabase::mapped(shards, map).expect("valid map");
    lands_where_the_rule_says(&sharded).await;
    fan_out_merges_in_order(&sharded).await;
    for (index, db) in dbs.iter().enumerate() {
        let expected = (0..KEYS).filter(|i| (7 * i) % 3 == index).count() as i64;
        assert_eq!(
            db.count_rows("members").await,
            expected,
            "shard {index} holds what the map says"
        );
    }
    let e = sharded.shard(&"tenant-unknown").expect_err("no route");
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(e.to_string().contains("add it to the shard map"), "{e}");
    let e = sharded.begin().await.expect_err("no cross-shard transaction");
    assert_eq!(e.kind(), ErrorKind::Usage);

    let Some(dbs) = three(backend, "shard_hash").await else { return };
    let sharded =
        ShardedDatabase::hashed(dbs.iter().map(|d| d.db().clone()).collect()).expect("shards");
    lands_where_the_rule_says(&sharded).await;
    fan_out_merges_in_order(&sharded).await;
    for db in &dbs {
        assert!(db.count_rows("members").await > 250, "the hash spreads 1,000 keys over 3 shards");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_shard_routing() {
    routes_on(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_shard_routing() {
    routes_on(Backend::MySql).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_shard_routing() {
    routes_on(Backend::Sqlite).await;
}

#[test]
fn a_map_to_a_missing_shard_is_refused() {
    let db = Database::connect_lazy("sqlite::memory:").expect("lazy");
    let e = ShardedDatabase::mapped(vec![db], [("a", 1_usize)]).expect_err("shard 1 of 1");
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(ShardedDatabase::hashed(Vec::new()).is_err(), "no shard at all");
}
