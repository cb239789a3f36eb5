use dal::Value;

#[derive(Value)]
enum Never {}

fn main() {}
