use dal::Value;

#[derive(Value)]
#[dal(repr = "i16")]
enum Priority {
    Low = 1,
    Normal,
    Huge = 40000,
    Shifted = 1 << 3,
    #[dal(rename = "urgent")]
    Urgent = 9,
}

fn main() {}
