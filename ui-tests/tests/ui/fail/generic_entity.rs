use dal::prelude::*;

#[derive(Entity)]
struct Wrapper<T> {
    #[dal(id)]
    id: Uuid,
    value: T,
}

fn main() {}
