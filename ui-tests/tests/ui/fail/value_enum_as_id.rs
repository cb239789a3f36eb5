use dal::Value;

#[derive(Value)]
#[dal(id)]
enum Region {
    Eu,
    Us,
}

fn main() {}
