//! `#[track_slow]`: slow calls are counted, fast ones are not. One test in the binary touches
//! the process-wide counter, so the deltas are exact.

use std::time::Duration;

use dal::resilience::track_slow;

#[track_slow(threshold = "20ms")]
async fn sometimes_slow(wait: Duration) -> u32 {
    tokio::time::sleep(wait).await;
    7
}

#[track_slow(threshold = "1s")]
fn quick(x: u32) -> u32 {
    x + 1
}

#[tokio::test]
async fn slow_calls_are_counted_and_fast_ones_are_not() {
    let before = dal::resilience::slow_calls();
    assert_eq!(sometimes_slow(Duration::ZERO).await, 7);
    assert_eq!(quick(1), 2);
    assert_eq!(dal::resilience::slow_calls(), before, "fast calls are not counted");
    assert_eq!(sometimes_slow(Duration::from_millis(60)).await, 7);
    assert_eq!(dal::resilience::slow_calls(), before + 1);
}
