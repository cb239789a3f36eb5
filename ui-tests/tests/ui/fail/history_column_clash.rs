use dal::prelude::*;

#[derive(Entity)]
#[dal(history)]
struct Note {
    #[dal(id)]
    id: Uuid,
    comment: String,
    #[dal(version)]
    version: i64,
}

fn main() {}
