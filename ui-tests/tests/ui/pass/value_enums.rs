//! Enums as columns (text and integers), nullable columns, filter values, and inside a newtype.
use dal::prelude::*;
use dal::Value;

#[derive(Value, Debug, Clone, Copy, PartialEq)]
#[dal(rename_all = "kebab-case")]
enum Status {
    Draft,
    PendingPayment,
    #[dal(rename = "sent")]
    Shipped,
}

#[derive(Value, Debug, Clone, Copy, PartialEq)]
#[dal(repr = "i64")]
enum Level {
    Min = -9223372036854775808,
    Max = 9223372036854775807,
}

#[derive(Value, Debug, Clone, Copy, PartialEq)]
struct Wrapped(Status);

#[derive(Entity, Debug, Clone)]
#[dal(table = "orders")]
struct Order {
    #[dal(id)]
    id: i64,
    status: Status,
    previous: Option<Status>,
    level: Level,
    wrapped: Wrapped,
}

fn main() {
    let _ = Order::STATUS.eq(Status::Draft);
    let _ = Order::PREVIOUS.eq(Status::Shipped);
    let _ = Order::STATUS.is_in([Status::Draft, Status::PendingPayment]);
    let _ = Order::LEVEL.gt(Level::Min);
    assert_eq!(
        <Status as dal::types::Column>::ALLOWED_VALUES,
        "('draft', 'pending-payment', 'sent')"
    );
    assert_eq!(<Wrapped as dal::types::Column>::ALLOWED_VALUES, <Status as dal::types::Column>::ALLOWED_VALUES);
}
