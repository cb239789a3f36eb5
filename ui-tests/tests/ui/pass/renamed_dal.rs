//! `dal` under another name, as `database = { package = "dal", … }` in Cargo.toml gives it,
//! while `::dal` names another crate (std here): `sql!` and `sql_as!` reach dal through their
//! `$crate`, the derive and `#[auto_transaction]` through `crate = "…"`.

extern crate dal as database;
extern crate std as dal;

#[derive(database::Entity, Debug, Clone)]
#[dal(table = "notes", crate = "database")]
struct Note {
    #[dal(id)]
    id: i64,
    text: String,
}

#[database::auto_transaction(crate = "database")]
async fn add(db: &database::Database, text: &str) -> database::Result<u64> {
    database::sql!("INSERT INTO notes (text) VALUES (?)", text).execute(db).await
}

async fn count(db: &database::Database, text: &str) -> database::Result<Vec<(i64,)>> {
    database::sql_as!((i64,), "SELECT COUNT(*) FROM notes WHERE text = ?", text).fetch_all(db).await
}

fn main() {
    // `::dal` is std in this crate, so code that named `::dal` would not compile.
    let _: ::dal::string::String = ::dal::string::String::new();
    let _ = (add, count, Note::TEXT);
}
