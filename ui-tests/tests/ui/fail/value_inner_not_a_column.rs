use dal::Value;

struct Cents(u128);

#[derive(Value)]
struct Price(Cents);

fn main() {}
