use dal::Value;

#[derive(Value)]
struct Money(i64, String);

#[derive(Value)]
#[dal(repr = "i16")]
struct Cents(i64);

fn main() {}
