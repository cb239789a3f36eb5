use dal::prelude::*;

#[derive(Debug, Clone)]
struct Settings {
    theme: String,
}

#[derive(Entity)]
struct Profile {
    #[dal(id)]
    id: i64,
    settings: dal::Json<Settings>,
}

fn main() {}
