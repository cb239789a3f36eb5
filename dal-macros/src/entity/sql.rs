//! The SQL of an entity on one dialect: a pure function of the validated model.
//!
//! Statement text is complete here. DDL also depends on each field's Rust type, which only the
//! compiler resolves, so it comes out as parts: text, plus references to the per-type
//! constants that expansion turns into `<T as Column>::POSTGRES` and friends.

use dal_sql::Dialect;
use dal_sql::history::{self, HistoryType};
use dal_sql::relation::ForeignKey;

use super::model::Model;

/// The declared type of data column `i` on `d`: the size given with `#[dal(precision,
/// scale)]`; `VARCHAR(n)` with `max_length` where the backend enforces lengths; on MySQL, a
/// type MariaDB can index when the column is indexed; else its Rust type's. The history table
/// declares the same, so a version always fits.
fn column_type(m: &Model<'_>, i: usize, d: Dialect) -> DdlPart {
    let col = &m.columns[i];
    if let Some(p) = col.precision {
        return DdlPart::Text(d.decimal_type_with(p.digits, p.scale));
    }
    if let Some(text) = col.max_length.and_then(|(n, _)| d.bounded_text_type(n)) {
        return DdlPart::Text(text);
    }
    if col.indexed && d == Dialect::MySql {
        DdlPart::IndexedColumnType(i)
    } else {
        DdlPart::ColumnType(i)
    }
}

/// A piece of `CREATE TABLE` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DdlPart {
    Text(String),
    /// The id column's definition (`<Id as EntityId>::…_KEY`).
    IdKey,
    /// The SQL type of data column `n` (`<T as Column>::…`).
    ColumnType(usize),
    /// The SQL type of data column `n` on MySQL when it is indexed
    /// (`<T as Column>::MYSQL_INDEXED`: MariaDB indexes no `LONGTEXT`).
    IndexedColumnType(usize),
    /// `" NOT NULL"` or `""` for data column `n` (`<T as Column>::NULLABILITY`).
    Nullability(usize),
    /// The id's plain column type, for the history table (`<Id as Column>::…`).
    IdType,
    /// The column type of a timestamp (`<DateTime<Utc> as Column>::…`).
    TimestampType,
    /// The column type of text (`<Option<String> as Column>::…`, the same as `String`'s; the
    /// nullability is written as text).
    OptionalTextType,
    /// `head`, the allowed values of data column `n`'s type (`<T as Column>::ALLOWED_VALUES`),
    /// `tail`: the column's `CHECK (… IN (…))`, or nothing when the type allows every value of
    /// its SQL type (its list is empty).
    Check {
        column: usize,
        head: String,
        tail: String,
    },
    /// The quoted table and id column, `"customers" ("id")`, of the entity data column `n`
    /// references (`<Target as Entity>::TABLE`, `…::COLUMNS[0]`, quoted for the dialect).
    Referenced(usize),
}

/// How one field of the runtime's `Statements` is made on one dialect.
#[derive(Debug)]
pub(crate) enum Field {
    /// Complete statement text (empty when the entity has no such statement).
    Sql(String),
    /// DDL, whose column types come from the Rust types.
    Ddl(Vec<DdlPart>),
    /// The declared SQL type of every column (one part each), no statement.
    ColumnTypes(Vec<DdlPart>),
}

/// Every field of the runtime's `Statements` for one entity on one dialect, by name, in the
/// order the generated struct literal lists them: the one list of those names in dal-macros.
pub(crate) type EntitySql = Vec<(&'static str, Field)>;

pub(crate) fn generate(m: &Model<'_>, d: Dialect) -> EntitySql {
    let table = d.quote(&m.table);
    let id = d.quote(&m.id.name);
    let all: Vec<String> = m.all_columns().map(|c| d.quote(&c.name)).collect();
    let data = &all[1..];
    let placeholders = |from: usize, n: usize| {
        let mut out = String::new();
        for i in from..from + n {
            if i > from {
                out.push_str(", ");
            }
            d.push_placeholder(&mut out, i);
        }
        out
    };

    let insert = dal_sql::insert_sql(d, &m.table, m.all_columns().map(|c| &c.name), 1);
    let mut insert_generated_id =
        dal_sql::insert_sql(d, &m.table, m.columns.iter().map(|c| &c.name), 1);
    if d.supports_returning() {
        insert_generated_id.push_str(&format!(" RETURNING {id}"));
    }
    let mut update = format!("UPDATE {table} SET ");
    for (i, col) in data.iter().enumerate() {
        if i > 0 {
            update.push_str(", ");
        }
        update.push_str(&format!("{col} = {}", placeholders(i + 1, 1)));
    }
    update.push_str(&format!(" WHERE {id} = {}", placeholders(data.len() + 1, 1)));
    let version = m.roles.version.map(|i| &data[i]);
    if let Some(version) = version {
        update.push_str(&format!(" AND {version} = {}", placeholders(data.len() + 2, 1)));
    }
    let select_by_id =
        format!("SELECT {} FROM {table} WHERE {id} = {}", all.join(", "), placeholders(1, 1));
    let select_live_by_id = match m.roles.deleted_at {
        Some(i) if m.soft_delete => format!("{select_by_id} AND {} IS NULL", data[i]),
        _ => select_by_id.clone(),
    };
    let select_version = version
        .map(|v| format!("SELECT {v} FROM {table} WHERE {id} = {}", placeholders(1, 1)))
        .unwrap_or_default();
    let delete_by_id = format!("DELETE FROM {table} WHERE {id} = {}", placeholders(1, 1));
    let history = history_sql(m, d, &all, version);

    let mut ddl = Ddl::default();
    ddl.text(&format!("CREATE TABLE IF NOT EXISTS {table} ({id} "));
    ddl.part(DdlPart::IdKey);
    for (i, col) in data.iter().enumerate() {
        ddl.text(&format!(", {col} "));
        ddl.part(column_type(m, i, d));
        ddl.part(DdlPart::Nullability(i));
        if let Some(default) = &m.columns[i].default {
            ddl.text(&default.value.clause(d));
        }
        ddl.part(DdlPart::Check {
            column: i,
            head: format!(" CHECK ({col} IN "),
            tail: ")".into(),
        });
    }
    let mut create_indexes: Vec<String> = Vec::new();
    for (i, r) in m.references() {
        ddl.text(&r.foreign_key.clause_head(d));
        ddl.part(DdlPart::Referenced(i));
        ddl.text(&ForeignKey::clause_tail(r.on_delete));
        create_indexes.extend(r.foreign_key.create_index(d));
    }
    for index in &m.indexes {
        ddl.text(&index.clause(d));
        create_indexes.extend(index.create_statement(d));
    }
    ddl.text(&format!("){}", d.create_table_suffix()));
    let column_types = std::iter::once(DdlPart::IdType)
        .chain((0..m.columns.len()).map(|i| column_type(m, i, d)))
        .collect();

    vec![
        ("create_table", Field::Ddl(ddl.0)),
        ("column_types", Field::ColumnTypes(column_types)),
        ("insert", Field::Sql(insert)),
        ("insert_generated_id", Field::Sql(insert_generated_id)),
        ("update", Field::Sql(update)),
        ("select_by_id", Field::Sql(select_by_id)),
        ("select_live_by_id", Field::Sql(select_live_by_id)),
        ("select_version", Field::Sql(select_version)),
        ("delete_by_id", Field::Sql(delete_by_id)),
        ("create_history_table", Field::Ddl(history.create)),
        ("create_indexes", Field::Sql(create_indexes.join("; "))),
        ("create_history_index", Field::Sql(history.create_index)),
        ("insert_history", Field::Sql(history.insert)),
        ("select_history", Field::Sql(history.select)),
        ("select_history_version", Field::Sql(history.select_version)),
    ]
}

#[derive(Default)]
struct HistorySql {
    create: Vec<DdlPart>,
    create_index: String,
    insert: String,
    select: String,
    select_version: String,
}

/// The history table (its shape is [`dal_sql::history`]'s): every column of the entity, then
/// what happened, when, by whom, why; keyed by id and version. Empty without `history`.
fn history_sql(m: &Model<'_>, d: Dialect, all: &[String], version: Option<&String>) -> HistorySql {
    let (Some(history), Some(version), true) = (m.history_table(), version, m.history) else {
        return HistorySql::default();
    };
    let table = d.quote(history.name());
    let id = &all[0];
    let mut columns = all.to_vec();
    columns.extend(history::COLUMNS.iter().map(|c| c.quoted(d)));
    let insert = history.insert_sql(d, m.all_columns().map(|c| &c.name), 1);
    let mut first = String::new();
    d.push_placeholder(&mut first, 1);
    let mut second = String::new();
    d.push_placeholder(&mut second, 2);
    let select = format!(
        "SELECT {} FROM {table} WHERE {id} = {first} ORDER BY {version}",
        columns.join(", ")
    );
    let select_version = format!(
        "SELECT {} FROM {table} WHERE {id} = {first} AND {version} = {second}",
        columns.join(", ")
    );

    let mut ddl = Ddl::default();
    ddl.text(&format!("CREATE TABLE IF NOT EXISTS {table} ({id} "));
    ddl.part(DdlPart::IdType);
    ddl.text(" NOT NULL");
    // No defaults and no unique constraints: a history table holds many versions of a row,
    // each written whole.
    for (i, col) in all[1..].iter().enumerate() {
        ddl.text(&format!(", {col} "));
        ddl.part(column_type(m, i, d));
        ddl.part(DdlPart::Nullability(i));
    }
    for c in history::COLUMNS {
        ddl.text(&format!(", {} ", c.quoted(d)));
        match c.ty {
            HistoryType::Sql(sql) => ddl.text(sql),
            HistoryType::Timestamp => ddl.part(DdlPart::TimestampType),
            HistoryType::Text => ddl.part(DdlPart::OptionalTextType),
        }
        if !c.nullable {
            ddl.text(" NOT NULL");
        }
    }
    let index = d.quote(history.index());
    let changed_at = history::CHANGED_AT.quoted(d);
    let mut create_index = String::new();
    if d.indexes_in_create_table() {
        ddl.text(&format!(
            ", PRIMARY KEY ({id}, {version}), INDEX {index} ({changed_at})){}",
            d.create_table_suffix()
        ));
    } else {
        ddl.text(&format!(", PRIMARY KEY ({id}, {version})){}", d.create_table_suffix()));
        create_index = format!("CREATE INDEX IF NOT EXISTS {index} ON {table} ({changed_at})");
    }
    HistorySql { create: ddl.0, insert, select, select_version, create_index }
}

/// Builds DDL parts, merging adjacent text.
#[derive(Default)]
struct Ddl(Vec<DdlPart>);

impl Ddl {
    fn text(&mut self, s: &str) {
        match self.0.last_mut() {
            Some(DdlPart::Text(t)) => t.push_str(s),
            _ => self.0.push(DdlPart::Text(s.to_owned())),
        }
    }

    fn part(&mut self, p: DdlPart) {
        match p {
            DdlPart::Text(t) => self.text(&t),
            p => self.0.push(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{ast, check};
    use crate::internals::ctxt::Ctxt;

    /// Renders every statement, with DDL type references shown as `{…}`.
    fn render(src: &str) -> String {
        let input: syn::DeriveInput = syn::parse_str(src).expect("parses");
        let cx = Ctxt::new();
        let model = ast::Container::from_ast(&cx, &input).and_then(|c| check::validate(&cx, c));
        cx.check().map_err(|e| e[0].to_string()).expect("valid entity");
        let model = model.expect("model");
        let ddl = |parts: &[DdlPart]| -> String {
            parts
                .iter()
                .map(|p| match p {
                    DdlPart::Text(t) => t.clone(),
                    DdlPart::IdKey => "{id key}".into(),
                    DdlPart::ColumnType(i) => format!("{{type of {}}}", model.columns[*i].field),
                    DdlPart::IndexedColumnType(i) => {
                        format!("{{indexed type of {}}}", model.columns[*i].field)
                    }
                    DdlPart::Nullability(i) => format!("{{null of {}}}", model.columns[*i].field),
                    DdlPart::Check { column, head, tail } => {
                        let field = &model.columns[*column].field;
                        format!("{{{head}<values of {field}>{tail}?}}")
                    }
                    DdlPart::IdType => "{id type}".into(),
                    DdlPart::TimestampType => "{timestamp}".into(),
                    DdlPart::OptionalTextType => "{text?}".into(),
                    DdlPart::Referenced(i) => {
                        let target = &model.columns[*i].reference.as_ref().expect("ref").target;
                        format!("{{table (id) of {}}}", quote::quote!(#target))
                    }
                })
                .collect()
        };
        let mut out = String::new();
        for d in Dialect::ALL {
            out.push_str(&format!("[{d}]\n"));
            for (name, field) in generate(&model, d) {
                let text = match field {
                    Field::Sql(text) => text,
                    Field::Ddl(parts) => ddl(&parts),
                    Field::ColumnTypes(parts) => parts
                        .iter()
                        .map(|p| ddl(std::slice::from_ref(p)))
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                if !text.is_empty() {
                    out.push_str(&format!("{name}: {text}\n"));
                }
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn versioned_entity_with_history_and_soft_delete_sql() {
        insta::assert_snapshot!(render(
            r#"#[dal(table = "users", soft_delete, history)]
            struct User {
                #[dal(id)] id: Uuid,
                name: String,
                #[dal(version)] version: i64,
                #[dal(created_at)] created_at: DateTime<Utc>,
                #[dal(updated_at)] updated_at: DateTime<Utc>,
                #[dal(deleted_at)] deleted_at: Option<DateTime<Utc>>,
            }"#
        ));
    }

    #[test]
    fn user_entity_sql() {
        insta::assert_snapshot!(render(
            r#"#[dal(table = "users")]
            struct User {
                #[dal(id)] id: Uuid,
                name: String,
                #[dal(column = "email_address")] email: String,
                age: Option<i32>,
            }"#
        ));
    }

    #[test]
    fn foreign_keys_and_their_indexes_sql() {
        insta::assert_snapshot!(render(
            r#"#[dal(table = "orders", soft_delete)]
            struct Order {
                #[dal(id)] id: Uuid,
                #[dal(references = Customer)] customer_id: Uuid,
                #[dal(references = Coupon, on_delete = "set_null")] coupon_id: Option<i64>,
                #[dal(references = Shop, on_delete = "cascade", column = "shop")] shop_id: Uuid,
                total: i64,
                #[dal(deleted_at)] deleted_at: Option<DateTime<Utc>>,
            }"#
        ));
    }

    #[test]
    fn decimal_columns_with_a_precision_sql() {
        insta::assert_snapshot!(render(
            r#"#[dal(table = "invoices", history)]
            struct Invoice {
                #[dal(id)] id: i64,
                #[dal(precision = 19, scale = 4)] total: Decimal,
                #[dal(precision = 5)] pieces: Option<Decimal>,
                unbounded: Decimal,
                #[dal(version)] version: i64,
            }"#
        ));
    }

    #[test]
    fn indexes_unique_constraints_and_defaults_sql() {
        insta::assert_snapshot!(render(
            r#"#[dal(table = "accounts", history, unique(shop_id, number), index(status, opened_at))]
            struct Account {
                #[dal(id)] id: i64,
                #[dal(unique)] email: String,
                #[dal(index, max_length = 64)] handle: Option<String>,
                #[dal(references = Shop)] shop_id: Uuid,
                number: i32,
                #[dal(default = "open")] status: String,
                #[dal(default = now)] opened_at: DateTime<Utc>,
                #[dal(default = -1)] balance: i64,
                #[dal(default = 0.5)] rate: f64,
                #[dal(default = true)] active: bool,
                #[dal(version)] version: i64,
            }"#
        ));
    }

    #[test]
    fn default_table_name_and_raw_identifiers() {
        let sql = render("struct BlogPost { #[dal(id)] id: i64, r#type: String }");
        assert!(sql.contains(r#"INSERT INTO "blog_post" ("id", "type") VALUES ($1, $2)"#), "{sql}");
        assert!(sql.contains("INSERT INTO `blog_post` (`type`) VALUES (?)\n"), "{sql}");
    }
}
