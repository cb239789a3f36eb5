//! [`Find`]: a typed query on an entity's table — filter, order, limit and offset, then all,
//! one, count, exists or a stream. Soft-deleted rows are skipped unless asked for.

use std::marker::PhantomData;

use futures_core::Stream;

use super::Entity;
use super::column::Order;
use super::filter::{Filter, push_column};
use super::relation::Load;
use crate::database::Database;
use crate::error::Result;
use crate::query::Query;
use crate::types::Value;

/// A query on the table of `E`; start one with `repo.find()`.
///
/// ```no_run
/// # use dal_runtime::{Database, Entity};
/// # async fn demo<E: Entity>(db: &Database, filter: dal_runtime::Filter, order: dal_runtime::Order) -> dal_runtime::Result<()> {
/// let page: Vec<E> = db.repo::<E>().find().filter(filter).order_by(order).limit(10).all().await?;
/// # Ok(()) }
/// ```
///
/// `Debug` shows the entity, its table, the query's parts and the handle it runs on (see
/// [`Database`]'s: no password).
#[must_use = "a query does nothing until it is run with all, one, count, exists or stream"]
pub struct Find<'a, E> {
    db: &'a Database,
    filter: Option<Filter>,
    order: Vec<Order>,
    limit: Option<u64>,
    offset: Option<u64>,
    include_deleted: bool,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> std::fmt::Debug for Find<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Find")
            .field("entity", &E::TYPE_NAME)
            .field("table", &E::TABLE)
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("include_deleted", &self.include_deleted)
            .field("db", self.db)
            .finish()
    }
}

impl<'a, E: Entity> Find<'a, E> {
    pub(crate) fn new(db: &'a Database) -> Self {
        Find {
            db,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            include_deleted: false,
            entity: PhantomData,
        }
    }

    /// Keeps rows matching `filter` (several calls combine with AND).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(filter),
            None => filter,
        });
        self
    }

    /// Orders by a column; later calls break ties of earlier ones.
    pub fn order_by(mut self, order: Order) -> Self {
        self.order.push(order);
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Includes soft-deleted rows.
    pub fn include_deleted(mut self) -> Self {
        self.include_deleted = true;
        self
    }

    /// `SELECT <select> FROM table WHERE …` with `?` placeholders, and its values.
    fn sql(&self, select: &str, with_order: bool) -> Result<(String, Vec<Value<'static>>)> {
        let d = self.db.dialect();
        let mut sql = format!("SELECT {select} FROM ");
        push_column(d, &mut sql, E::TABLE)?;
        let mut params = Vec::new();
        let mut conditions = Vec::new();
        if let Some(filter) = &self.filter {
            let mut text = String::new();
            filter.render(d, &mut text, &mut params)?;
            conditions.push(format!("({text})"));
        }
        if let (Some(deleted), false) = (E::DELETED_AT_COLUMN, self.include_deleted) {
            let mut text = String::new();
            push_column(d, &mut text, deleted)?;
            conditions.push(format!("{text} IS NULL"));
        }
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        if with_order && !self.order.is_empty() {
            sql.push_str(" ORDER BY ");
            for (i, o) in self.order.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                push_column(d, &mut sql, o.column)?;
                sql.push_str(if o.descending { " DESC" } else { " ASC" });
            }
        }
        if with_order {
            sql.push_str(&d.limit_offset(self.limit, self.offset));
        }
        Ok((sql, params))
    }

    fn columns(&self) -> Result<String> {
        let d = self.db.dialect();
        let mut list = String::new();
        for (i, c) in E::COLUMNS.iter().enumerate() {
            if i > 0 {
                list.push_str(", ");
            }
            push_column(d, &mut list, c)?;
        }
        Ok(list)
    }

    /// Every matching row.
    pub async fn all(self) -> Result<Vec<E>> {
        let (sql, params) = self.sql(&self.columns()?, true)?;
        Query::new(self.db, &sql).bind_all(params).fetch_all_as().await
    }

    /// The first matching row (in the given order).
    pub async fn one(self) -> Result<Option<E>> {
        let find = Find { limit: Some(1), ..self };
        let (sql, params) = find.sql(&find.columns()?, true)?;
        Query::new(find.db, &sql).bind_all(params).fetch_optional_as().await
    }

    /// How many rows match (limit and offset do not apply).
    pub async fn count(self) -> Result<i64> {
        let (sql, params) = self.sql("COUNT(*)", false)?;
        let row = Query::new(self.db, &sql).bind_all(params).fetch_one().await?;
        row.get(0)
    }

    /// Whether any row matches.
    pub async fn exists(self) -> Result<bool> {
        let (sql, params) = self.sql("1", false)?;
        let sql = format!("{sql}{}", self.db.dialect().limit_offset(Some(1), None));
        Ok(Query::new(self.db, &sql).bind_all(params).fetch_optional().await?.is_some())
    }

    /// The matching rows as a stream, read as the server sends them.
    pub fn stream(self) -> impl Stream<Item = Result<E>> + Send + 'a {
        async_stream::try_stream! {
            let (sql, params) = self.sql(&self.columns()?, true)?;
            let rows = Query::new(self.db, &sql).bind_all(params).fetch();
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = futures_util::StreamExt::next(&mut rows).await {
                yield E::from_row(&row?)?;
            }
        }
    }
}

impl<'a, E: Entity> Find<'a, E> {
    /// Loads each found row with its relatives through `relation`, one statement for the rows
    /// and one per level of the relation (see [`Load`]): `orders.find().with(Order::CUSTOMER)`
    /// gives `(Order, Option<Customer>)` pairs, `customers.find().with(Customer::ORDERS)`
    /// gives `(Customer, Vec<Order>)`. Pass a pair of relations for both at one level.
    pub fn with<L: Load<E>>(self, relation: L) -> FindWith<'a, E, L> {
        FindWith { find: self, relation }
    }
}

/// A [`Find`] whose rows come with their relatives; made by [`Find::with`].
#[must_use = "a query does nothing until it is run with all or one"]
pub struct FindWith<'a, E, L> {
    find: Find<'a, E>,
    relation: L,
}

impl<E: Entity, L> std::fmt::Debug for FindWith<'_, E, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FindWith")
            .field("find", &self.find)
            .field("relation", &std::any::type_name::<L>())
            .finish()
    }
}

impl<E: Entity, L: Load<E>> FindWith<'_, E, L> {
    /// Every matching row with its relatives.
    pub async fn all(self) -> Result<Vec<(E, L::Output)>> {
        let db = self.find.db;
        let rows = self.find.all().await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let related = self.relation.load(db, &rows).await?;
        Ok(rows.into_iter().zip(related).collect())
    }

    /// The first matching row (in the given order) with its relatives.
    pub async fn one(self) -> Result<Option<(E, L::Output)>> {
        let FindWith { find, relation } = self;
        let find = Find { limit: Some(1), ..find };
        Ok(FindWith { find, relation }.all().await?.into_iter().next())
    }
}

impl<'a, E: Entity> super::Repo<'a, E> {
    /// A typed query on this entity's table.
    pub fn find(&self) -> Find<'a, E> {
        Find::new(self.database())
    }

    /// How many live rows the table holds.
    pub async fn count(&self) -> Result<i64> {
        self.find().count().await
    }
}
