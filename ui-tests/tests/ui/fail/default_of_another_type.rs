use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "users")]
struct User {
    #[dal(id)]
    id: Uuid,
    #[dal(default = "none")]
    logins: i64,
    #[dal(default = 1)]
    name: String,
    #[dal(default = now)]
    active: bool,
}

fn main() {}
