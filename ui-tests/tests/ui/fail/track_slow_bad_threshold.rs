use dal::prelude::*;

#[track_slow(threshold = "2 seconds")]
fn work() {}

#[track_slow(treshold = "2s")]
fn more_work() {}

fn main() {
    work();
    more_work();
}
