//! The futures of everyday statements stay small. Every call builds its future and moves it
//! (into a task, a box, `block_on`), so its size is paid on every statement. Connecting is
//! kilobytes of driver state; it belongs only to the cold paths (a new connection, a stopped
//! statement), which box it. A connect future that slips back into a hot path is caught here,
//! by size, not by timing.

use dal::Database;

use crate::entities::Person;

/// Far below a connect future (several KB on every driver) and above today's hot paths
/// (about 2 KB): the margin absorbs compiler and driver version changes.
const HOT_PATH_BUDGET: usize = 4096;

#[tokio::test]
async fn statement_futures_carry_no_connect_future() -> dal::Result<()> {
    let db = Database::connect("sqlite::memory:?alias=future_sizes").await?;
    let people = db.repo::<Person>();
    let person = Person::new("ada", None);
    let sizes = [
        ("Repo::get", size_of_val(&people.get(dal::types::Uuid::nil()))),
        ("Repo::save", size_of_val(&people.save(&person))),
        ("Find::all", size_of_val(&people.find().all())),
        ("Query::execute", size_of_val(&db.query("SELECT 1").execute())),
        ("Query::fetch_all", size_of_val(&db.query("SELECT 1").fetch_all())),
        ("Database::begin", size_of_val(&db.begin())),
    ];
    for (call, size) in sizes {
        assert!(
            size <= HOT_PATH_BUDGET,
            "{call}'s future is {size} bytes, over {HOT_PATH_BUDGET}: a connect (or another cold path) is inline in it; box it where it is awaited"
        );
    }
    // The budget does tell the two apart: a connect's future is over it.
    let connect = size_of_val(&Database::connect("sqlite::memory:"));
    assert!(connect > HOT_PATH_BUDGET, "a connect future is {connect} bytes; lower the budget");
    Ok(())
}
