use dal::Value;

#[derive(Value)]
enum Status {
    Open,
    #[dal(rename = "open")]
    Reopened,
}

#[derive(Value)]
#[dal(rename_all = "lowercase")]
enum Step {
    Review,
    ReView,
}

fn main() {}
