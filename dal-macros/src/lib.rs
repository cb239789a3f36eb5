//! Procedural macros of `dal`. Entry points only: each parses its input, hands it to its
//! module, and turns collected errors into compile errors. Use them through the `dal` crate.

mod entity;
#[cfg(test)]
mod expansion_tests;
mod internals;
mod slow;
mod sql;
mod transaction;
mod value;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `dal::Entity`: typed CRUD with the SQL of every backend generated at compile time.
///
/// See the `dal` crate's documentation of `Entity` for examples.
///
/// # Container attributes (`#[dal(...)]` on the struct)
///
/// | attribute | required | meaning |
/// |---|---|---|
/// | `table = "name"` | no | table name; default: the struct name in snake_case |
/// | `soft_delete` | no | `delete` sets the `deleted_at` field; reads skip deleted rows (needs a `deleted_at` field) |
/// | `history` | no | every version is kept in `<table>_history` (needs a `version` field) |
/// | `has_many(name = Child::RELATION, …)` | no | the constant `NAME`: a `HasMany` following the child's belongs-to relation back (`has_many(orders = Order::CUSTOMER)` gives `Customer::ORDERS`) |
/// | `has_one(name = Child::RELATION, …)` | no | the same as a `HasOne`: each row loads with at most one child |
/// | `unique(a, b, …)` | no, repeatable | a unique constraint over those fields (Rust names), `{table}_{a}_{b}_key` |
/// | `index(a, b, …)` | no, repeatable | an index over those fields in that order, `{table}_{a}_{b}_idx` |
/// | `crate = "path"` | no | path to the `dal` crate when it is renamed; default `::dal` |
///
/// # Field attributes (`#[dal(...)]` on a field)
///
/// | attribute | required | meaning |
/// |---|---|---|
/// | `id` | on exactly one field | the primary key: `Uuid` (generated when nil) or `i64` (assigned by the database when 0) |
/// | `column = "name"` | no | column name; default: the field name |
/// | `version` | no | `i64`, 1 on insert and one more on every change; updates check it (optimistic locking) |
/// | `created_at` | no | `DateTime<Utc>`, set on insert |
/// | `updated_at` | no | `DateTime<Utc>`, set on every write |
/// | `deleted_at` | with `soft_delete` | `Option<DateTime<Utc>>`, set by `delete`, cleared by `restore` |
/// | `skip` | no | not stored; `Default::default()` when read |
/// | `references = Entity` | no | a foreign key to `Entity`'s id: the field has the id's type (or `Option` of it) and a name ending in `_id`; the DDL holds the constraint and an index; the relation constant is the name without `_id` (`customer_id` gives `Order::CUSTOMER`) |
/// | `on_delete = "…"` | with `references` | `"restrict"` (default: the parent cannot be deleted while referenced), `"cascade"` (this row goes with it) or `"set_null"` (the key becomes `NULL`; an `Option` field) |
/// | `unique` | no | a unique constraint on the column, `{table}_{column}_key` (not on the history table; soft-deleted rows count too) |
/// | `index` | no | an index on the column, `{table}_{column}_idx` (a `references` field has one already) |
/// | `default = literal` | no | the column's DDL default, for rows inserted without it: a string, integer, float, `true`/`false`, or `now` (a `DateTime<Utc>`: the insert's time); checked against the field's type |
/// | `max_length = n` | no | a `String` column is `VARCHAR(n)` on PostgreSQL and MySQL/MariaDB (SQLite ignores lengths); at most 768 when indexed |
/// | `shard_key` | no, at most one field | the value that chooses the shard (`String`, `i64`, `Uuid`, …), so `ShardedDatabase::save` and `ShardedDatabase::repo` route the entity; the id or a field that never changes |
///
/// An indexed or unique `String` is `VARCHAR(255)` on MySQL/MariaDB, which cannot index
/// `LONGTEXT` (`Column::MYSQL_INDEXED`); `max_length` chooses another length.
///
/// Besides `Entity`, the derive generates a column constant per field (`User::EMAIL`, for
/// `find().filter(User::EMAIL.eq(…))`) and a patch type (`UserPatch`, every plain field as an
/// `Option`, for `repo.patch(id, patch)`), and a constant per relation (`Order::CUSTOMER`,
/// `Customer::ORDERS`, for `find().with(…)` and `Customer::ORDERS.any(filter)`).
///
/// Field types: `bool`, `i16`, `i32`, `i64`, `u32`, `f32`, `f64`, `String`, `Uuid`,
/// `DateTime<Utc>`, `NaiveDate`, `NaiveDateTime`, `NaiveTime`, `rust_decimal::Decimal`,
/// `serde_json::Value`, `dal::Json<T>`, `Vec<u8>`, newtypes and fieldless enums with
/// `#[derive(dal::Value)]`, and `Option<T>` of each.
#[proc_macro_derive(Entity, attributes(dal))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    entity::expand(&input).unwrap_or_else(internals::to_compile_errors).into()
}

/// Derives `dal::types::Column` for a newtype or a fieldless enum.
///
/// A newtype is stored as its one field's type: `struct Email(String);` is a `TEXT` column
/// holding the string, usable in entities, filters and `Option<Email>` (nullable) like the
/// inner type.
///
/// A fieldless enum is stored as text by default: each variant's name in snake_case
/// (`PendingPayment` → `'pending_payment'`), and the entity's DDL gives the column a
/// `CHECK (… IN ('draft', 'pending_payment', …))`. With `repr = "i16"` (or `"i32"`, `"i64"`) it
/// is stored as that integer, each variant as its discriminant, which must then be written
/// (`Low = 1`) so reordering the variants cannot change what stored rows mean; the `CHECK`
/// lists the discriminants. Reading a value no variant is stored as is a `Decode` error naming
/// the column and the value.
///
/// | attribute (`#[dal(...)]` on the type) | meaning |
/// |---|---|
/// | `id` | newtypes: also derives `EntityId`, so the newtype can be an entity's id (the inner type is `Uuid` or `i64`); the struct must also derive `Clone, PartialEq, Eq, Hash, Debug` |
/// | `rename_all = "…"` | text enums: the rule turning variant names into stored text, one of `snake_case` (the default), `SCREAMING_SNAKE_CASE`, `kebab-case`, `SCREAMING-KEBAB-CASE`, `lowercase`, `UPPERCASE`, `camelCase`, `PascalCase` (as written) |
/// | `repr = "i16"` | enums: store the discriminant as `i16`, `i32` or `i64` instead of text |
/// | `crate = "path"` | path to the `dal` crate when it is renamed |
///
/// | attribute (`#[dal(...)]` on a variant) | meaning |
/// |---|---|
/// | `rename = "…"` | text enums: the text this variant is stored as (no backslash, not empty) |
#[proc_macro_derive(Value, attributes(dal))]
pub fn derive_value(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    value::expand(&input).unwrap_or_else(internals::to_compile_errors).into()
}

/// Runs an `async fn` in a transaction: `Ok` commits, `Err` rolls back, and so do a panic and
/// a dropped future (task cancellation), before the connection serves anyone else.
///
/// The function returns `Result<T, E>` with `E: From<dal::Error>`. The transaction follows the
/// task: while the body runs, every statement it makes through a `Database` handle of the same
/// pool joins it, whichever handle that is, so a service method needs no handle parameter:
///
/// ```text
/// impl Orders {                       // struct Orders { db: Database, stock: Stock }
///     #[auto_transaction]
///     async fn place(&self, item: &str) -> Result<(), AppError> {
///         sql!("INSERT INTO orders (item) VALUES (?)", item).execute(&self.db).await?;
///         self.stock.reserve(item).await  // Stock's own #[auto_transaction]: joins this one
///     }
/// }
/// ```
///
/// How the handle is found: with none in sight (a method on `&self`, `&mut self`, `self`,
/// `self: Arc<Self>`, or a free function without a `db` parameter), the first statement of the
/// body begins the transaction on its handle's pool and binds the call to that pool; handles of
/// other pools run outside it. A function with a parameter named `db` (or the one named by
/// `handle`), typed `&dal::Database`, begins on that handle's pool at once, and inside the body
/// that name is the transaction's own handle. Tasks spawned inside run outside the transaction
/// unless spawned with `dal::spawn_in_transaction`.
///
/// | option | meaning |
/// |---|---|
/// | `isolation = "serializable"` | also `read_uncommitted`, `read_committed`, `repeatable_read` |
/// | `read_only` | writes inside fail |
/// | `join` | the default: join the task's transaction, or begin one |
/// | `savepoint` | inside a transaction, an `Err` undoes only this call's work |
/// | `requires_new` | suspend the task's transaction; run in a new one, committed on its own |
/// | `mandatory` | join the task's transaction; a `Usage` error when there is none |
/// | `never` | run outside any transaction; a `Usage` error inside one |
/// | `retry = 3` | rerun the whole body after a serialization failure or deadlock (the body must not consume its arguments; the receiver is `&self`) |
/// | `timeout = "5s"` | limit for the whole transaction |
/// | `tags(key = "value", …)` | sqlcommenter tags on every statement of the body |
/// | `handle = "conn"` | the name of the handle parameter (default `db`) |
/// | `crate = "path"` | path to the `dal` crate when it is renamed |
///
/// At most one of `join`, `savepoint`, `requires_new`, `mandatory` and `never`; `never` takes
/// no `isolation`, `read_only` or `retry`, and `mandatory` (which joins a transaction already
/// begun) neither. The expansion calls `dal::__private::run_once_in_transaction` (or
/// `run_in_transaction` with `retry`): `dal::transaction_scope` is the same without the attribute.
#[proc_macro_attribute]
pub fn auto_transaction(args: TokenStream, item: TokenStream) -> TokenStream {
    transaction::expand(args.into(), item.into())
        .unwrap_or_else(internals::to_compile_errors)
        .into()
}

/// The engine of `dal::sql!`, which documents it; use that one. `dal::sql!` passes its
/// `$crate` first (`sql!($crate; "SQL", args…)`), since a proc macro has no `$crate` of its own
/// and generated code must reach `dal` under whatever name the user's Cargo.toml gives it.
#[proc_macro]
pub fn sql(input: TokenStream) -> TokenStream {
    sql::expand(input.into()).unwrap_or_else(internals::to_compile_errors).into()
}

/// The engine of `dal::sql_as!` (`sql!` whose rows come back as a type), which documents it;
/// called as `sql_as!($crate; Type, "SQL", args…)`.
#[proc_macro]
pub fn sql_as(input: TokenStream) -> TokenStream {
    sql::expand_typed(input.into()).unwrap_or_else(internals::to_compile_errors).into()
}

/// Times every call of the function: a call slower than `threshold` (default 1 s) logs a
/// warning with the function's path and elapsed time, and is counted
/// (`dal::resilience::slow_calls()`).
/// Works on `async fn` and plain `fn`: `#[track_slow(threshold = "2s")]`.
#[proc_macro_attribute]
pub fn track_slow(args: TokenStream, item: TokenStream) -> TokenStream {
    slow::expand(args.into(), item.into()).unwrap_or_else(internals::to_compile_errors).into()
}
