//! Repeating what is safe to repeat: exponential backoff with full jitter, and slow-call
//! tracking. (Circuit breaking, timeouts that stop the server and leak handling build on this.)

mod backoff;
mod breaker;
mod retry;
mod slow;
mod window;

pub use self::backoff::Backoff;
pub use self::breaker::{
    Admission, BreakerHealth, BreakerReport, BreakerState, CircuitBreaker, FailureCategory,
};
pub use self::retry::{RetryPolicy, retry};
pub use self::slow::{SlowCallGuard, slow_calls};
