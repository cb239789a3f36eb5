//! Every relation form compiles: belongs-to with each ON DELETE, an optional key, has_many,
//! has_one, a self reference, nesting, pairs and filters.
use dal::prelude::*;

#[derive(Entity, Clone)]
#[dal(table = "customers", has_many(orders = Order::CUSTOMER), has_one(card = Card::CUSTOMER))]
struct Customer {
    #[dal(id)]
    id: Uuid,
    name: String,
}

#[derive(Entity, Clone)]
#[dal(table = "orders", has_many(items = Item::ORDER))]
struct Order {
    #[dal(id)]
    id: Uuid,
    #[dal(references = Customer, on_delete = "cascade")]
    customer_id: Uuid,
    total: i64,
}

#[derive(Entity, Clone)]
#[dal(table = "items")]
struct Item {
    #[dal(id)]
    id: i64,
    #[dal(references = Order, on_delete = "restrict")]
    order_id: Uuid,
}

#[derive(Entity, Clone)]
#[dal(table = "cards")]
struct Card {
    #[dal(id)]
    id: i64,
    #[dal(references = Customer, on_delete = "set_null")]
    customer_id: Option<Uuid>,
}

#[derive(Entity, Clone)]
#[dal(table = "categories", has_many(children = Category::PARENT))]
struct Category {
    #[dal(id)]
    id: i64,
    #[dal(references = Category)]
    parent_id: Option<i64>,
}

async fn queries(db: &Database) -> dal::Result<()> {
    let _: Vec<(Order, Option<Customer>)> = db.repo::<Order>().find().with(Order::CUSTOMER).all().await?;
    let _: Vec<(Customer, Vec<(Order, Vec<Item>)>)> =
        db.repo::<Customer>().find().with(Customer::ORDERS.with(Order::ITEMS)).all().await?;
    let _: Option<(Customer, (Vec<Order>, Option<Card>))> =
        db.repo::<Customer>().find().with((Customer::ORDERS, Customer::CARD.include_deleted())).one().await?;
    let _: Vec<(Category, Vec<Category>)> = db.repo::<Category>().find().with(Category::CHILDREN).all().await?;
    let _ = db.repo::<Customer>().find().filter(Customer::ORDERS.any(Order::TOTAL.gt(100))).count().await?;
    let _ = db.repo::<Order>().find().filter(Order::CUSTOMER.matches(Customer::NAME.eq("a"))).all().await?;
    Ok(())
}

fn main() {
    let _ = queries;
}
