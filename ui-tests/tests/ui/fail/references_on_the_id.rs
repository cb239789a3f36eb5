use dal::prelude::*;

#[derive(Entity)]
#[dal(table = "customers")]
struct Customer {
    #[dal(id)]
    id: Uuid,
    name: String,
}

#[derive(Entity)]
#[dal(table = "profiles")]
struct Profile {
    #[dal(id, references = Customer)]
    id: Uuid,
    bio: String,
}

fn main() {}
