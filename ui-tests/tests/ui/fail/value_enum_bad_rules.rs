use dal::Value;

#[derive(Value)]
#[dal(rename_all = "snake-case")]
enum Status {
    Open,
}

#[derive(Value)]
#[dal(repr = "u8")]
enum Level {
    Low = 1,
}

#[derive(Value)]
#[dal(repr = "i32", rename_all = "kebab-case")]
enum Size {
    Small = 1,
}

#[derive(Value)]
enum Path {
    #[dal(rename = "C:\\temp")]
    Temp,
    #[dal(rename = "")]
    Nowhere,
}

fn main() {}
