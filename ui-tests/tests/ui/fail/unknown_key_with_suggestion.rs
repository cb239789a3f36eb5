use dal::prelude::*;

#[derive(Entity)]
#[dal(tabel = "users")]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(colum = "full_name")]
    name: String,
}

fn main() {}
