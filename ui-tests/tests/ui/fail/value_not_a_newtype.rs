use dal::Value;

#[derive(Value)]
struct Money(i64, String);

#[derive(Value)]
enum Status {
    Open,
    Closed,
}

fn main() {}
