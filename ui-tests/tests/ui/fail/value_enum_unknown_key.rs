use dal::Value;

#[derive(Value)]
#[dal(rename_al = "kebab-case")]
enum Status {
    #[dal(renam = "open")]
    Open,
    #[dal(repr = "i16")]
    Closed,
}

fn main() {}
