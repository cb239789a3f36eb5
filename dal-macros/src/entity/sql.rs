//! The SQL of an entity on one dialect: a pure function of the validated model.
//!
//! Statement text is complete here. DDL also depends on each field's Rust type, which only the
//! compiler resolves, so it comes out as parts: text, plus references to the per-type
//! constants that expansion turns into `<T as Column>::POSTGRES` and friends.

use dal_sql::Dialect;

use super::model::Model;

/// A piece of `CREATE TABLE` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DdlPart {
    Text(String),
    /// The id column's definition (`<Id as EntityId>::…_KEY`).
    IdKey,
    /// The SQL type of data column `n` (`<T as Column>::…`).
    ColumnType(usize),
    /// `" NOT NULL"` or `""` for data column `n` (`<T as Column>::NULLABILITY`).
    Nullability(usize),
}

/// Every statement of one entity on one dialect.
#[derive(Debug)]
pub(crate) struct EntitySql {
    pub(crate) create_table: Vec<DdlPart>,
    pub(crate) insert: String,
    pub(crate) insert_generated_id: String,
    pub(crate) update: String,
    pub(crate) select_by_id: String,
    pub(crate) delete_by_id: String,
}

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

    let insert =
        format!("INSERT INTO {table} ({}) VALUES ({})", all.join(", "), placeholders(1, all.len()));
    let mut insert_generated_id = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        data.join(", "),
        placeholders(1, data.len())
    );
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
    let select_by_id =
        format!("SELECT {} FROM {table} WHERE {id} = {}", all.join(", "), placeholders(1, 1));
    let delete_by_id = format!("DELETE FROM {table} WHERE {id} = {}", placeholders(1, 1));

    let mut ddl = Ddl::default();
    ddl.text(&format!("CREATE TABLE IF NOT EXISTS {table} ({id} "));
    ddl.part(DdlPart::IdKey);
    for (i, col) in data.iter().enumerate() {
        ddl.text(&format!(", {col} "));
        ddl.part(DdlPart::ColumnType(i));
        ddl.part(DdlPart::Nullability(i));
    }
    ddl.text(&format!("){}", d.create_table_suffix()));

    EntitySql {
        create_table: ddl.0,
        insert,
        insert_generated_id,
        update,
        select_by_id,
        delete_by_id,
    }
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
        self.0.push(p);
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
        let mut out = String::new();
        for d in Dialect::ALL {
            let sql = generate(&model, d);
            let ddl: String = sql
                .create_table
                .iter()
                .map(|p| match p {
                    DdlPart::Text(t) => t.clone(),
                    DdlPart::IdKey => "{id key}".into(),
                    DdlPart::ColumnType(i) => format!("{{type of {}}}", model.columns[*i].field),
                    DdlPart::Nullability(i) => format!("{{null of {}}}", model.columns[*i].field),
                })
                .collect();
            out.push_str(&format!(
                "[{d}]\ncreate_table: {ddl}\ninsert: {}\ninsert_generated_id: {}\nupdate: {}\nselect_by_id: {}\ndelete_by_id: {}\n\n",
                sql.insert, sql.insert_generated_id, sql.update, sql.select_by_id, sql.delete_by_id
            ));
        }
        out
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
    fn default_table_name_and_raw_identifiers() {
        let sql = render("struct BlogPost { #[dal(id)] id: i64, r#type: String }");
        assert!(sql.contains(r#"INSERT INTO "blog_post" ("id", "type") VALUES ($1, $2)"#), "{sql}");
        assert!(sql.contains("INSERT INTO `blog_post` (`type`) VALUES (?)\n"), "{sql}");
    }
}
