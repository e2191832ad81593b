//! `interval`, `interval_at`, `Interval` and `MissedTickBehavior`, on a paused clock.

mod common;

use std::time::Duration;

use common::{block_on, paused};
use magpie_timer::{advance, interval, interval_at, Instant, MissedTickBehavior};

const P: Duration = Duration::from_millis(50);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn first_tick_is_immediate_then_every_period() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let start = Instant::now();
        let mut iv = interval(P);
        assert_eq!(iv.period(), P);
        assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Burst);
        assert_eq!(iv.tick().await, start);
        assert_eq!(iv.tick().await, start + P);
        assert_eq!(Instant::now(), start + P);
        assert_eq!(iv.tick().await, start + P * 2);
        assert_eq!(Instant::now(), start + P * 2);
    });
}

#[test]
fn interval_at_starts_at_start() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let start = Instant::now() + ms(30);
        let mut iv = interval_at(start, P);
        assert_eq!(iv.tick().await, start);
        assert_eq!(Instant::now(), start);
        assert_eq!(iv.tick().await, start + P);
    });
}

/// Ticks at 0, then the task is busy until 160 ms (missing 50, 100, 150), then ticks
/// three more times; returns the scheduled instants and when each tick completed,
/// relative to the start.
fn late_ticks(behavior: MissedTickBehavior) -> Vec<(Duration, Duration)> {
    let mut driver = paused();
    block_on(&mut driver, async move {
        let start = Instant::now();
        let mut iv = interval(P);
        iv.set_missed_tick_behavior(behavior);
        assert_eq!(iv.missed_tick_behavior(), behavior);
        iv.tick().await;
        advance(ms(160)).await;
        let mut out = Vec::new();
        for _ in 0..5 {
            let scheduled = iv.tick().await;
            out.push((scheduled - start, Instant::now() - start));
        }
        out
    })
}

#[test]
fn burst_catches_up_back_to_back() {
    assert_eq!(
        late_ticks(MissedTickBehavior::Burst),
        vec![
            (ms(50), ms(160)),
            (ms(100), ms(160)),
            (ms(150), ms(160)),
            (ms(200), ms(200)),
            (ms(250), ms(250)),
        ]
    );
}

#[test]
fn delay_restarts_the_schedule_from_now() {
    assert_eq!(
        late_ticks(MissedTickBehavior::Delay),
        vec![
            (ms(50), ms(160)),
            (ms(210), ms(210)),
            (ms(260), ms(260)),
            (ms(310), ms(310)),
            (ms(360), ms(360)),
        ]
    );
}

#[test]
fn skip_jumps_to_the_next_tick_of_the_schedule() {
    assert_eq!(
        late_ticks(MissedTickBehavior::Skip),
        vec![
            (ms(50), ms(160)),
            (ms(200), ms(200)),
            (ms(250), ms(250)),
            (ms(300), ms(300)),
            (ms(350), ms(350)),
        ]
    );
}

#[test]
fn small_lateness_is_not_a_missed_tick() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let start = Instant::now();
        let mut iv = interval(P);
        iv.set_missed_tick_behavior(MissedTickBehavior::Delay);
        iv.tick().await;
        advance(ms(53)).await;
        assert_eq!(iv.tick().await, start + P);
        // Within the 5 ms slack: the schedule is kept.
        assert_eq!(iv.tick().await, start + P * 2);
    });
}

#[test]
fn resets() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let start = Instant::now();
        let mut iv = interval(P);
        iv.tick().await;
        advance(ms(10)).await;
        iv.reset();
        assert_eq!(iv.tick().await, start + ms(60));
        iv.reset_immediately();
        assert_eq!(iv.tick().await, start + ms(60));
        assert_eq!(Instant::now(), start + ms(60));
        iv.reset_after(ms(7));
        assert_eq!(iv.tick().await, start + ms(67));
        iv.reset_at(start + ms(1000));
        assert_eq!(iv.tick().await, start + ms(1000));
        assert_eq!(iv.tick().await, start + ms(1050));
    });
}

#[test]
fn reset_while_a_tick_is_pending() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let start = Instant::now();
        let mut iv = interval(P);
        iv.tick().await;
        // Register the next tick, then move it.
        let waker = std::task::Waker::noop();
        assert!(iv
            .poll_tick(&mut std::task::Context::from_waker(waker))
            .is_pending());
        iv.reset_at(start + ms(20));
        assert_eq!(iv.tick().await, start + ms(20));
    });
}

#[test]
#[should_panic(expected = "`period` must be non-zero.")]
fn zero_period_panics() {
    let driver = paused();
    let _g = driver.handle().enter();
    let _ = interval(Duration::ZERO);
}

#[test]
#[should_panic(expected = "`period` must be non-zero.")]
fn zero_period_panics_at() {
    let driver = paused();
    let _g = driver.handle().enter();
    let _ = interval_at(Instant::now(), Duration::ZERO);
}

#[test]
fn resets_with_the_longest_period_do_not_overflow() {
    // `Duration::MAX` past now is no instant: the next tick is "never", as in tokio.
    let mut driver = paused();
    block_on(&mut driver, async {
        let mut forever = interval(Duration::MAX);
        forever.tick().await;
        forever.reset();
        let mut short = interval(Duration::from_millis(1));
        short.reset_after(Duration::MAX);
        short.reset_immediately();
        short.tick().await;
        short.reset_after(Duration::MAX);
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let mut late = interval_at(Instant::now(), Duration::MAX);
            late.set_missed_tick_behavior(behavior);
            late.tick().await;
            advance(Duration::from_secs(3600)).await;
            late.reset_at(Instant::now() - Duration::from_secs(1));
            late.tick().await;
        }
    });
}
