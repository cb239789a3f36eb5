use dal::Value;

#[derive(Value)]
enum Payment {
    Cash,
    Card(String),
    Wire { iban: String },
}

fn main() {}
