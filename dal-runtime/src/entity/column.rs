//! Typed columns: the constants `#[derive(Entity)]` generates (`User::EMAIL`), and the
//! conditions and orderings made from them.

use std::marker::PhantomData;

use super::filter::{Filter, Op};
use crate::types::{Column, IntoValue};

/// A column of entity `E` holding `T`. Generated as constants: `User::EMAIL.eq("a@b.c")`.
#[derive(Debug)]
pub struct ColumnRef<E, T> {
    name: &'static str,
    marker: PhantomData<fn() -> (E, T)>,
}

impl<E, T> Clone for ColumnRef<E, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E, T> Copy for ColumnRef<E, T> {}

/// A value that can be compared with a column holding `T`: `T` itself, the inner type of a
/// nullable column, and `&str` for text columns.
pub trait Comparable<T>: IntoValue {}

impl<T: Column> Comparable<T> for T {}
impl<T: Column> Comparable<Option<T>> for T {}
impl Comparable<String> for &str {}
impl Comparable<Option<String>> for &str {}

/// Ascending or descending order on a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub(crate) column: &'static str,
    pub(crate) descending: bool,
}

impl<E, T> ColumnRef<E, T> {
    /// Used by the derive.
    #[doc(hidden)]
    pub const fn new(name: &'static str) -> Self {
        ColumnRef { name, marker: PhantomData }
    }

    /// The column's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    fn cmp(self, op: Op, value: impl IntoValue) -> Filter {
        Filter::Compare { column: self.name, op, value: value.into_value() }
    }

    /// `column = value`.
    pub fn eq(self, value: impl Comparable<T>) -> Filter {
        self.cmp(Op::Eq, value)
    }

    /// `column <> value`.
    pub fn ne(self, value: impl Comparable<T>) -> Filter {
        self.cmp(Op::Ne, value)
    }

    /// `column < value`.
    pub fn lt(self, value: impl Comparable<T>) -> Filter {
        self.cmp(Op::Lt, value)
    }

    /// `column <= value`.
    pub fn le(self, value: impl Comparable<T>) -> Filter {
        self.cmp(Op::Le, value)
    }

    /// `column > value`.
    pub fn gt(self, value: impl Comparable<T>) -> Filter {
        self.cmp(Op::Gt, value)
    }

    /// `column >= value`.
    pub fn ge(self, value: impl Comparable<T>) -> Filter {
        self.cmp(Op::Ge, value)
    }

    /// `column LIKE pattern` (`%` any run, `_` one character).
    pub fn like(self, pattern: impl Into<String>) -> Filter {
        self.cmp(Op::Like, pattern.into())
    }

    /// `column IN (values…)`; an empty list matches nothing.
    pub fn is_in<V: Comparable<T>>(self, values: impl IntoIterator<Item = V>) -> Filter {
        Filter::In {
            column: self.name,
            values: values.into_iter().map(IntoValue::into_value).collect(),
        }
    }

    /// `column BETWEEN low AND high` (both included).
    pub fn between(self, low: impl Comparable<T>, high: impl Comparable<T>) -> Filter {
        Filter::Between { column: self.name, low: low.into_value(), high: high.into_value() }
    }

    /// `column IS NULL`.
    pub fn is_null(self) -> Filter {
        Filter::Null { column: self.name, negated: false }
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(self) -> Filter {
        Filter::Null { column: self.name, negated: true }
    }

    /// Ascending order.
    pub fn asc(self) -> Order {
        Order { column: self.name, descending: false }
    }

    /// Descending order.
    pub fn desc(self) -> Order {
        Order { column: self.name, descending: true }
    }
}
