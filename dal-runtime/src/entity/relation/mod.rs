//! Relations between entities, declared by `#[derive(Entity)]`: [`BelongsTo`] on a foreign-key
//! field (`#[dal(references = Customer)] customer_id: Uuid` gives `Order::CUSTOMER`), and
//! [`HasMany`] / [`HasOne`] on the parent, each following a child's `BelongsTo` back
//! (`#[dal(has_many(orders = Order::CUSTOMER))]` gives `Customer::ORDERS`).
//!
//! A relation is used two ways: eager loading, `find().with(Order::CUSTOMER)`, which reads the
//! relatives of every found row in one statement per level (see [`Load`]); and filtering,
//! `Customer::ORDERS.any(Order::TOTAL.gt(100))`, an `EXISTS (…)` condition. Soft-deleted
//! relatives are left out of both unless the relation is asked for with `include_deleted()`.

mod load;

pub use self::load::{Level, Link, Load, Nested};
use super::Entity;
use super::EntityId;
use super::filter::Filter;
use crate::types::Column;

/// The type of a foreign-key field referencing an entity whose id is `Id`: `Id` itself, or
/// `Option<Id>` for a reference that may be absent.
#[diagnostic::on_unimplemented(
    message = "a field of type `{Self}` cannot reference an entity whose id is `{Id}`",
    label = "the referenced entity's id is `{Id}`",
    note = "a foreign key has the type of the id it references: declare the field as `{Id}`, or `Option<{Id}>` for an optional reference"
)]
pub trait ForeignKey<Id>: Column {
    /// The referenced id, or `None` when the reference is absent.
    fn key(&self) -> Option<&Id>;
}

impl<K: EntityId> ForeignKey<K> for K {
    fn key(&self) -> Option<&K> {
        Some(self)
    }
}

impl<K: EntityId> ForeignKey<K> for Option<K> {
    fn key(&self) -> Option<&K> {
        self.as_ref()
    }
}

/// The relation from child `C` to the parent `P` one of its fields references: the constant
/// the derive generates for `#[dal(references = P)]` (`Order::CUSTOMER` for `customer_id`).
///
/// Loaded with `find().with(Order::CUSTOMER)`, each child comes with `Option<P>`: `None` when
/// its key is `NULL` or the parent is soft-deleted (unless [`BelongsTo::include_deleted`]).
pub struct BelongsTo<C, P: Entity> {
    pub(crate) column: &'static str,
    pub(crate) key: fn(&C) -> Option<&P::Id>,
    pub(crate) include_deleted: bool,
}

/// The relation from parent `P` to its children `C`: the constant the derive generates for
/// `#[dal(has_many(orders = Order::CUSTOMER))]` (`Customer::ORDERS`). Each parent loads with a
/// `Vec<C>`, ordered by the children's ids.
pub struct HasMany<P: Entity, C> {
    pub(crate) belongs_to: BelongsTo<C, P>,
}

/// The relation from parent `P` to its one child `C`: the constant the derive generates for
/// `#[dal(has_one(profile = Profile::USER))]`. Each parent loads with an `Option<C>` (the
/// child with the lowest id when there are several).
pub struct HasOne<P: Entity, C> {
    pub(crate) belongs_to: BelongsTo<C, P>,
}

impl<C, P: Entity> Clone for BelongsTo<C, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C, P: Entity> Copy for BelongsTo<C, P> {}
impl<P: Entity, C> Clone for HasMany<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: Entity, C> Copy for HasMany<P, C> {}
impl<P: Entity, C> Clone for HasOne<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: Entity, C> Copy for HasOne<P, C> {}

impl<C: Entity, P: Entity> std::fmt::Debug for BelongsTo<C, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BelongsTo")
            .field("from", &C::TYPE_NAME)
            .field("column", &self.column)
            .field("to", &P::TYPE_NAME)
            .field("include_deleted", &self.include_deleted)
            .finish()
    }
}

impl<P: Entity, C: Entity> std::fmt::Debug for HasMany<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("HasMany").field(&self.belongs_to).finish()
    }
}

impl<P: Entity, C: Entity> std::fmt::Debug for HasOne<P, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("HasOne").field(&self.belongs_to).finish()
    }
}

impl<C, P: Entity> BelongsTo<C, P> {
    /// Used by the derive: the foreign-key column and how to read it.
    #[doc(hidden)]
    pub const fn new(column: &'static str, key: fn(&C) -> Option<&P::Id>) -> Self {
        BelongsTo { column, key, include_deleted: false }
    }

    /// The foreign-key column's name.
    pub const fn column(&self) -> &'static str {
        self.column
    }

    /// Loads soft-deleted parents too.
    pub const fn include_deleted(mut self) -> Self {
        self.include_deleted = true;
        self
    }

    /// Loads each parent with its own relatives: `Order::CUSTOMER.with(Customer::ADDRESS)`
    /// gives `Option<(Customer, Option<Address>)>` per order.
    pub fn with<R: Load<P>>(self, inner: R) -> Nested<Self, R> {
        Nested::new(self, inner)
    }
}

impl<C: Entity, P: Entity> BelongsTo<C, P> {
    /// `EXISTS` a live parent matching `filter` (children whose parent matches).
    pub fn matches(self, filter: Filter) -> Filter {
        Filter::Exists {
            table: P::TABLE,
            column: P::COLUMNS[0],
            outer_table: C::TABLE,
            outer_column: self.column,
            deleted_at: P::DELETED_AT_COLUMN.filter(|_| !self.include_deleted),
            filter: Box::new(filter),
        }
    }
}

impl<P: Entity, C> HasMany<P, C> {
    /// Used by the derive: the child's relation this one follows back.
    #[doc(hidden)]
    pub const fn new(belongs_to: BelongsTo<C, P>) -> Self {
        HasMany { belongs_to }
    }

    /// Loads soft-deleted children too.
    pub const fn include_deleted(mut self) -> Self {
        self.belongs_to.include_deleted = true;
        self
    }

    /// Loads each child with its own relatives: `Customer::ORDERS.with(Order::ITEMS)` gives
    /// `Vec<(Order, Vec<Item>)>` per customer, in one more statement.
    pub fn with<R: Load<C>>(self, inner: R) -> Nested<Self, R> {
        Nested::new(self, inner)
    }
}

impl<P: Entity, C: Entity> HasMany<P, C> {
    /// `EXISTS` a live child matching `filter`: `Customer::ORDERS.any(Order::TOTAL.gt(100))`.
    pub fn any(self, filter: Filter) -> Filter {
        exists_child::<P, C>(self.belongs_to, filter)
    }
}

impl<P: Entity, C> HasOne<P, C> {
    /// Used by the derive: the child's relation this one follows back.
    #[doc(hidden)]
    pub const fn new(belongs_to: BelongsTo<C, P>) -> Self {
        HasOne { belongs_to }
    }

    /// Loads a soft-deleted child too.
    pub const fn include_deleted(mut self) -> Self {
        self.belongs_to.include_deleted = true;
        self
    }

    /// Loads the child with its own relatives.
    pub fn with<R: Load<C>>(self, inner: R) -> Nested<Self, R> {
        Nested::new(self, inner)
    }
}

impl<P: Entity, C: Entity> HasOne<P, C> {
    /// `EXISTS` a live child matching `filter`.
    pub fn any(self, filter: Filter) -> Filter {
        exists_child::<P, C>(self.belongs_to, filter)
    }
}

fn exists_child<P: Entity, C: Entity>(rel: BelongsTo<C, P>, filter: Filter) -> Filter {
    Filter::Exists {
        table: C::TABLE,
        column: rel.column,
        outer_table: P::TABLE,
        outer_column: P::COLUMNS[0],
        deleted_at: C::DELETED_AT_COLUMN.filter(|_| !rel.include_deleted),
        filter: Box::new(filter),
    }
}

/// Used by the derive to check, at the field, that a key has the referenced id's type.
#[doc(hidden)]
pub fn foreign_key<P: Entity, K: ForeignKey<P::Id>>(key: &K) -> Option<&P::Id> {
    key.key()
}
