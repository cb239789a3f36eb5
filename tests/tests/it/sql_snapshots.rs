//! The SQL constants `#[derive(Entity)]` generated, as the compiler resolved them (column
//! types included), pinned per backend.

use dal::Entity;
use dal::query::Dialect;

use crate::entities::{AllTypes, Member, Person, Ticket};

fn render<E: Entity>() -> String {
    let mut out = String::new();
    for d in Dialect::ALL {
        let s = E::statements(d);
        out.push_str(&format!("[{d}]\n"));
        for text in [
            s.create_table,
            s.insert,
            s.insert_generated_id,
            s.update,
            s.select_by_id,
            s.select_live_by_id,
            s.select_version,
            s.delete_by_id,
            s.create_history_table,
            s.create_indexes,
            s.create_history_index,
            s.insert_history,
            s.select_history,
            s.select_history_version,
        ]
        .iter()
        .filter(|t| !t.is_empty())
        {
            out.push_str(text);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[test]
fn person_sql() {
    insta::assert_snapshot!(render::<Person>());
}

#[test]
fn member_sql() {
    insta::assert_snapshot!(render::<Member>());
}

#[test]
fn ticket_sql() {
    insta::assert_snapshot!(render::<Ticket>());
}

#[test]
fn all_types_ddl() {
    let ddl: Vec<String> = Dialect::ALL
        .iter()
        .map(|d| format!("[{d}] {}", AllTypes::statements(*d).create_table))
        .collect();
    insta::assert_snapshot!(ddl.join("\n"));
}
