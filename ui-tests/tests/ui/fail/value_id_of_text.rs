use dal::Value;

#[derive(Value, Debug, Clone, PartialEq, Eq, Hash)]
#[dal(id)]
struct Email(String);

fn main() {}
