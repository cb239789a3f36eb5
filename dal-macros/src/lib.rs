//! Procedural macros of `dal`. Entry points only: each parses its input, hands it to its
//! module, and turns collected errors into compile errors. Use them through the `dal` crate.

mod entity;
mod internals;

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
/// | `crate = "path"` | no | path to the `dal` crate when it is renamed; default `::dal` |
///
/// # Field attributes (`#[dal(...)]` on a field)
///
/// | attribute | required | meaning |
/// |---|---|---|
/// | `id` | on exactly one field | the primary key: `Uuid` (generated when nil) or `i64` (assigned by the database when 0) |
/// | `column = "name"` | no | column name; default: the field name |
///
/// Field types: `bool`, `i16`, `i32`, `i64`, `f32`, `f64`, `String`, `Uuid`, `DateTime<Utc>`,
/// `NaiveDate`, `NaiveDateTime`, `serde_json::Value`, `Vec<u8>`, and `Option<T>` of each.
#[proc_macro_derive(Entity, attributes(dal))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    entity::expand(&input).unwrap_or_else(internals::to_compile_errors).into()
}
