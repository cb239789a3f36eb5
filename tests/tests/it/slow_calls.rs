//! `#[track_slow]`: slow calls are counted, fast ones are not. One test in the binary touches
//! the process-wide counter, so the deltas are exact. A call is made slow by sleeping past its
//! threshold (a sleep lasts at least as long as asked), and fast by a threshold no call here
//! can reach, so no outcome depends on how busy the machine is.

use std::time::Duration;

use dal::resilience::track_slow;

#[track_slow(threshold = "20ms")]
async fn slow(wait: Duration) -> u32 {
    tokio::time::sleep(wait).await;
    7
}

#[track_slow(threshold = "3600s")]
async fn never_slow(wait: Duration) -> u32 {
    tokio::time::sleep(wait).await;
    8
}

#[track_slow(threshold = "3600s")]
fn quick(x: u32) -> u32 {
    x + 1
}

#[tokio::test]
async fn slow_calls_are_counted_and_fast_ones_are_not() {
    let before = dal::resilience::slow_calls();
    assert_eq!(never_slow(Duration::from_millis(60)).await, 8);
    assert_eq!(quick(1), 2);
    assert_eq!(
        dal::resilience::slow_calls(),
        before,
        "calls under their threshold are not counted"
    );
    assert_eq!(slow(Duration::from_millis(60)).await, 7);
    assert_eq!(dal::resilience::slow_calls(), before + 1, "a call past its threshold is counted");
}
