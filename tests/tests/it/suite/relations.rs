//! Relations: foreign keys in the generated DDL, eager loading in one statement per level,
//! relation filters as `EXISTS`, soft-deleted relatives, and what `ON DELETE` does.

use std::collections::{BTreeMap, HashMap};

use dal::types::{DateTime, Utc, Uuid};
use dal::{Database, Entity, ErrorKind};
use tests::TestDb;

/// A parent with soft delete and two kinds of children.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(
    table = "customers",
    soft_delete,
    has_many(orders = Order::CUSTOMER),
    has_one(card = LoyaltyCard::CUSTOMER)
)]
pub struct Customer {
    #[dal(id)]
    pub id: Uuid,
    pub name: String,
    #[dal(deleted_at)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A child that goes with its customer, and the parent of items.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "orders", soft_delete, has_many(items = Item::ORDER))]
pub struct Order {
    #[dal(id)]
    pub id: Uuid,
    #[dal(references = Customer, on_delete = "cascade")]
    pub customer_id: Uuid,
    pub total: i64,
    #[dal(deleted_at)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// The second level down, keyed by the database.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "items")]
pub struct Item {
    #[dal(id)]
    pub id: i64,
    #[dal(references = Order, on_delete = "cascade")]
    pub order_id: Uuid,
    pub sku: String,
}

/// A child that keeps its customer from being deleted (the default, restrict).
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "invoices")]
pub struct Invoice {
    #[dal(id)]
    pub id: i64,
    #[dal(references = Customer)]
    pub customer_id: Uuid,
}

/// A child whose reference is cleared when its customer goes.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "loyalty_cards")]
pub struct LoyaltyCard {
    #[dal(id)]
    pub id: i64,
    #[dal(references = Customer, on_delete = "set_null")]
    pub customer_id: Option<Uuid>,
    pub points: i32,
}

/// A tree: a table whose rows reference rows of the same table.
#[derive(Entity, Debug, Clone, PartialEq)]
#[dal(table = "categories", has_many(children = Category::PARENT))]
pub struct Category {
    #[dal(id)]
    pub id: i64,
    #[dal(references = Category, on_delete = "cascade")]
    pub parent_id: Option<i64>,
    pub name: String,
}

async fn schema(db: &Database) {
    db.ensure_schema::<Customer>().await.expect("customers");
    db.ensure_schema::<Order>().await.expect("orders");
    db.ensure_schema::<Item>().await.expect("items");
    db.ensure_schema::<Invoice>().await.expect("invoices");
    db.ensure_schema::<LoyaltyCard>().await.expect("cards");
}

fn customer(name: &str) -> Customer {
    Customer { id: Uuid::nil(), name: name.into(), deleted_at: None }
}

fn order(customer: &Customer, total: i64) -> Order {
    Order { id: Uuid::nil(), customer_id: customer.id, total, deleted_at: None }
}

/// `customers` customers with `per_customer` orders each, the order totals 0, 1, 2, ….
async fn shop(db: &Database, customers: usize, per_customer: usize) -> (Vec<Customer>, Vec<Order>) {
    let people: Vec<Customer> = (0..customers).map(|i| customer(&format!("c{i:03}"))).collect();
    let people = db.repo::<Customer>().save_all(&people).await.expect("customers");
    let orders: Vec<Order> =
        (0..customers * per_customer).map(|i| order(&people[i % customers], i as i64)).collect();
    let orders = db.repo::<Order>().save_all(&orders).await.expect("orders");
    (people, orders)
}

/// Runs `f` on a pool of its own and counts the statements it ran.
async fn statements<T, F: std::future::Future<Output = T>>(
    db: &TestDb,
    f: impl FnOnce(Database) -> F,
) -> (T, u64) {
    let pool = db.connect(db.fresh_config()).await.expect("pool");
    let before = pool.pool().metrics().statements;
    let out = f(pool.clone()).await;
    (out, pool.pool().metrics().statements - before)
}

/// Order id → customer id, by a join written by hand.
async fn joined(db: &Database) -> HashMap<Uuid, Uuid> {
    let rows: Vec<(Uuid, Uuid)> = db
        .query("SELECT o.id, c.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.deleted_at IS NULL AND c.deleted_at IS NULL")
        .fetch_all_as()
        .await
        .expect("join");
    rows.into_iter().collect()
}

pub async fn eager_loading_orders_with_their_customers_takes_two_statements(db: &TestDb) {
    schema(db).await;
    let (people, _) = shop(db, 100, 10).await;
    let (loaded, used) = statements(db, |pool| async move {
        pool.repo::<Order>().find().with(Order::CUSTOMER).all().await.expect("with")
    })
    .await;
    assert_eq!(used, 2, "the orders, then their customers");
    assert_eq!(loaded.len(), 1_000);
    let by_join = joined(db).await;
    let names: HashMap<Uuid, &str> = people.iter().map(|c| (c.id, c.name.as_str())).collect();
    for (order, customer) in &loaded {
        let customer = customer.as_ref().expect("every order has its customer");
        assert_eq!(by_join[&order.id], customer.id);
        assert_eq!(customer.id, order.customer_id);
        assert_eq!(names[&customer.id], customer.name);
    }
    // A filter and an order apply to the orders; the customers follow.
    let big = db
        .repo::<Order>()
        .find()
        .filter(Order::TOTAL.ge(990))
        .order_by(Order::TOTAL.desc())
        .with(Order::CUSTOMER)
        .all()
        .await
        .expect("filtered");
    let got: Vec<(i64, &str)> =
        big.iter().map(|(o, c)| (o.total, c.as_ref().expect("customer").name.as_str())).collect();
    assert_eq!(got.first(), Some(&(999, "c099")));
    assert_eq!(got.len(), 10);
}

pub async fn eager_loading_customers_with_their_orders_takes_two_statements(db: &TestDb) {
    schema(db).await;
    shop(db, 100, 100).await;
    let (loaded, used) = statements(db, |pool| async move {
        pool.repo::<Customer>().find().with(Customer::ORDERS).all().await.expect("with")
    })
    .await;
    assert_eq!(used, 2, "the customers, then all their orders in one statement");
    assert_eq!(loaded.len(), 100);
    let mut by_join: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (order, customer) in joined(db).await {
        by_join.entry(customer).or_default().push(order);
    }
    let mut total = 0;
    for (customer, orders) in &loaded {
        assert!(orders.iter().all(|o| o.customer_id == customer.id));
        let ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
        let mut expected = by_join[&customer.id].clone();
        expected.sort();
        assert_eq!(ids, expected, "each customer's orders, in id order");
        total += orders.len();
    }
    assert_eq!(total, 10_000);
    let (empty, used) = statements(db, |pool| async move {
        pool.repo::<Customer>()
            .find()
            .filter(Customer::NAME.eq("nobody"))
            .with(Customer::ORDERS)
            .all()
            .await
            .expect("none")
    })
    .await;
    assert!(empty.is_empty());
    assert_eq!(used, 1, "no parents, no second statement");
}

pub async fn two_levels_deep_take_three_statements(db: &TestDb) {
    schema(db).await;
    let (_, orders) = shop(db, 10, 5).await;
    let items: Vec<Item> = orders
        .iter()
        .flat_map(|o| {
            (0..o.total % 3).map(move |n| Item {
                id: 0,
                order_id: o.id,
                sku: format!("{}-{n}", o.total),
            })
        })
        .collect();
    db.repo::<Item>().save_all(&items).await.expect("items");
    let (loaded, used) = statements(db, |pool| async move {
        pool.repo::<Customer>()
            .find()
            .order_by(Customer::NAME.asc())
            .with(Customer::ORDERS.with(Order::ITEMS))
            .all()
            .await
            .expect("two levels")
    })
    .await;
    assert_eq!(used, 3, "customers, orders, items");
    assert_eq!(loaded.len(), 10);
    let mut seen = 0;
    for (customer, orders) in &loaded {
        assert_eq!(orders.len(), 5);
        for (order, items) in orders {
            assert_eq!(order.customer_id, customer.id);
            assert_eq!(items.len() as i64, order.total % 3);
            assert!(items.iter().all(|i| i.order_id == order.id));
            seen += items.len();
        }
    }
    assert_eq!(seen, items.len());
    // Up from the bottom, and two relations at one level.
    let (up, used) = statements(db, |pool| async move {
        pool.repo::<Item>().find().with(Item::ORDER.with(Order::CUSTOMER)).all().await.expect("up")
    })
    .await;
    assert_eq!(used, 3);
    for (item, order) in &up {
        let (order, customer) = order.as_ref().expect("order");
        assert_eq!(item.order_id, order.id);
        assert_eq!(customer.as_ref().expect("customer").id, order.customer_id);
    }
    let (both, used) = statements(db, |pool| async move {
        pool.repo::<Customer>()
            .find()
            .with((Customer::ORDERS, Customer::CARD))
            .all()
            .await
            .expect("pair")
    })
    .await;
    assert_eq!(used, 3, "customers, their orders, their cards");
    assert!(both.iter().all(|(_, (orders, card))| orders.len() == 5 && card.is_none()));
}

pub async fn soft_deleted_relatives_are_left_out_unless_asked(db: &TestDb) {
    schema(db).await;
    let (people, orders) = shop(db, 2, 3).await;
    let gone_order = orders.iter().find(|o| o.customer_id == people[0].id).expect("order");
    db.repo::<Order>().delete(gone_order.id).await.expect("soft delete order");
    db.repo::<Customer>().delete(people[1].id).await.expect("soft delete customer");

    let live = db.repo::<Customer>().find().with(Customer::ORDERS).all().await.expect("live");
    assert_eq!(live.len(), 1, "the deleted customer is left out at the top level");
    assert_eq!(live[0].1.len(), 2, "the deleted order is left out");
    let all = db
        .repo::<Customer>()
        .find()
        .include_deleted()
        .order_by(Customer::NAME.asc())
        .with(Customer::ORDERS.include_deleted())
        .all()
        .await
        .expect("everything");
    assert_eq!(all.iter().map(|(_, o)| o.len()).collect::<Vec<_>>(), [3, 3]);
    let top_only = db
        .repo::<Customer>()
        .find()
        .include_deleted()
        .order_by(Customer::NAME.asc())
        .with(Customer::ORDERS)
        .all()
        .await
        .expect("deleted customers, live orders");
    assert_eq!(top_only.iter().map(|(_, o)| o.len()).collect::<Vec<_>>(), [2, 3]);

    let of_deleted = db
        .repo::<Order>()
        .find()
        .filter(Order::CUSTOMER_ID.eq(people[1].id))
        .with(Order::CUSTOMER)
        .all()
        .await
        .expect("orders of a deleted customer");
    assert!(of_deleted.iter().all(|(_, c)| c.is_none()), "a deleted parent reads as absent");
    let with_deleted = db
        .repo::<Order>()
        .find()
        .filter(Order::CUSTOMER_ID.eq(people[1].id))
        .with(Order::CUSTOMER.include_deleted())
        .all()
        .await
        .expect("with deleted parents");
    assert!(with_deleted.iter().all(|(_, c)| c.as_ref().map(|c| c.id) == Some(people[1].id)));
}

pub async fn relation_filters_are_exists_conditions(db: &TestDb) {
    schema(db).await;
    let (people, orders) = shop(db, 4, 2).await;
    // Totals: c000 has 0 and 4, c001 1 and 5, c002 2 and 6, c003 3 and 7.
    let names = |found: Vec<Customer>| found.into_iter().map(|c| c.name).collect::<Vec<_>>();
    let repo = db.repo::<Customer>();
    let big = repo
        .find()
        .filter(Customer::ORDERS.any(Order::TOTAL.ge(6)))
        .order_by(Customer::NAME.asc())
        .all()
        .await
        .expect("any");
    assert_eq!(names(big), ["c002", "c003"]);
    let none_big = repo
        .find()
        .filter((!Customer::ORDERS.any(Order::TOTAL.ge(5))).and(Customer::NAME.ne("c003")))
        .order_by(Customer::NAME.asc())
        .all()
        .await
        .expect("not any");
    assert_eq!(names(none_big), ["c000"]);
    let seven = orders.iter().find(|o| o.total == 7).expect("7");
    db.repo::<Order>().delete(seven.id).await.expect("soft delete");
    let live = repo.find().filter(Customer::ORDERS.any(Order::TOTAL.eq(7))).count().await;
    assert_eq!(live.expect("count"), 0, "a soft-deleted child does not count");
    let any = repo
        .find()
        .filter(Customer::ORDERS.include_deleted().any(Order::TOTAL.eq(7)))
        .count()
        .await;
    assert_eq!(any.expect("count"), 1);
    let of_c001 = db
        .repo::<Order>()
        .find()
        .filter(Order::CUSTOMER.matches(Customer::NAME.eq("c001")))
        .order_by(Order::TOTAL.asc())
        .all()
        .await
        .expect("matches");
    assert_eq!(of_c001.iter().map(|o| o.total).collect::<Vec<_>>(), [1, 5]);
    assert!(of_c001.iter().all(|o| o.customer_id == people[1].id));
}

pub async fn on_delete_restricts_cascades_or_sets_null(db: &TestDb) {
    schema(db).await;
    let (people, orders) = shop(db, 2, 2).await;
    let item = Item { id: 0, order_id: orders[0].id, sku: "x".into() };
    db.repo::<Item>().save(&item).await.expect("item");
    let invoice = db
        .repo::<Invoice>()
        .save(&Invoice { id: 0, customer_id: people[0].id })
        .await
        .expect("invoice");
    let card = db
        .repo::<LoyaltyCard>()
        .save(&LoyaltyCard { id: 0, customer_id: Some(people[0].id), points: 3 })
        .await
        .expect("card");

    let e = db.repo::<Customer>().delete_permanently(people[0].id).await.expect_err("restricted");
    assert_eq!(e.kind(), ErrorKind::Constraint, "an invoice keeps its customer: {e}");
    assert_eq!(db.count_rows("customers").await, 2);

    db.repo::<Invoice>().delete_permanently(invoice.id).await.expect("invoice gone");
    db.repo::<Customer>().delete_permanently(people[0].id).await.expect("now it goes");
    assert_eq!(db.count_rows("orders").await, 2, "its orders went with it (cascade)");
    assert_eq!(db.count_rows("items").await, 0, "and their items (cascade, two levels)");
    let card = db.repo::<LoyaltyCard>().get(card.id).await.expect("get").expect("card stays");
    assert_eq!(card.customer_id, None, "the card's reference is cleared (set null)");
}

pub async fn a_reference_to_a_missing_row_is_a_constraint_error(db: &TestDb) {
    schema(db).await;
    let stray = Order { id: Uuid::nil(), customer_id: Uuid::new_v4(), total: 1, deleted_at: None };
    let e = db.repo::<Order>().save(&stray).await.expect_err("no such customer");
    assert_eq!(e.kind(), ErrorKind::Constraint, "{e}");
    assert!(!e.is_retryable());
    assert_eq!(db.count_rows("orders").await, 0);
}

pub async fn eager_loading_past_the_parameter_limit_splits_the_keys(db: &TestDb) {
    schema(db).await;
    let limit = db.dialect().max_params();
    let (people, _) = shop(db, limit + 1, 0).await;
    let last = &people[limit];
    db.repo::<Order>().save(&order(last, 7)).await.expect("one order, for the last customer");
    let card = LoyaltyCard { id: 0, customer_id: Some(people[0].id), points: 1 };
    db.repo::<LoyaltyCard>().save(&card).await.expect("card");
    let (loaded, used) = statements(db, |pool| async move {
        pool.repo::<Customer>().find().with(Customer::ORDERS).all().await.expect("with")
    })
    .await;
    assert_eq!(used, 3, "the customers, then their orders in two chunks of keys");
    assert_eq!(loaded.len(), limit + 1);
    for (customer, orders) in &loaded {
        let expected = if customer.id == last.id { 1 } else { 0 };
        assert_eq!(orders.len(), expected, "{}", customer.name);
    }
    let cards = db.repo::<Customer>().find().with(Customer::CARD).all().await.expect("cards");
    let holders: Vec<&str> =
        cards.iter().filter(|(_, card)| card.is_some()).map(|(c, _)| c.name.as_str()).collect();
    assert_eq!(holders, [people[0].name.as_str()]);
}

pub async fn a_relation_of_a_table_to_itself_loads_and_filters(db: &TestDb) {
    db.ensure_schema::<Category>().await.expect("schema");
    let repo = db.repo::<Category>();
    let saver = &repo;
    let add = |parent: Option<i64>, name: &str| {
        let category = Category { id: 0, parent_id: parent, name: name.into() };
        async move { saver.save(&category).await }
    };
    let root = add(None, "root").await.expect("root");
    let books = add(Some(root.id), "books").await.expect("books");
    let music = add(Some(root.id), "music").await.expect("music");
    add(Some(books.id), "poetry").await.expect("poetry");
    add(Some(music.id), "jazz").await.expect("jazz");

    let tree = repo
        .find()
        .filter(Category::PARENT_ID.is_null())
        .with(Category::CHILDREN.with(Category::CHILDREN))
        .all()
        .await
        .expect("two levels of one table");
    let (top, children) = &tree[0];
    assert_eq!(top.name, "root");
    let names: Vec<(&str, Vec<&str>)> = children
        .iter()
        .map(|(c, grand)| (c.name.as_str(), grand.iter().map(|g| g.name.as_str()).collect()))
        .collect();
    assert_eq!(names, [("books", vec!["poetry"]), ("music", vec!["jazz"])]);

    let names = |found: Vec<Category>| found.into_iter().map(|c| c.name).collect::<Vec<_>>();
    let with_jazz = repo.find().filter(Category::CHILDREN.any(Category::NAME.eq("jazz"))).all();
    assert_eq!(names(with_jazz.await.expect("any")), ["music"]);
    let grand_jazz = repo
        .find()
        .filter(Category::CHILDREN.any(Category::CHILDREN.any(Category::NAME.eq("jazz"))))
        .all();
    assert_eq!(names(grand_jazz.await.expect("nested any")), ["root"]);
    let under_books =
        repo.find().filter(Category::PARENT.matches(Category::NAME.eq("books"))).all();
    assert_eq!(names(under_books.await.expect("matches")), ["poetry"]);

    repo.delete_permanently(music.id).await.expect("delete a branch");
    assert_eq!(db.count_rows("categories").await, 3, "jazz went with music (cascade)");
}
