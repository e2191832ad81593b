//! `timeout`, `timeout_at`, `Timeout` and `error::Elapsed`.

mod common;

use std::future::{pending, poll_fn, ready};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use common::{block_on, paused, poll_once, real};
use magpie_sched::coop;
use magpie_timer::error::Elapsed;
use magpie_timer::{sleep, timeout, timeout_at, Instant};

#[test]
fn ready_future_wins_even_with_zero_duration() {
    let mut driver = paused();
    block_on(&mut driver, async {
        assert_eq!(timeout(Duration::ZERO, ready(7)).await, Ok(7));
        let past = Instant::now() - Duration::from_millis(5);
        assert_eq!(timeout_at(past, ready("x")).await, Ok("x"));
    });
}

#[test]
fn pending_future_times_out_at_the_deadline() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let start = Instant::now();
        let err = timeout(Duration::from_millis(250), pending::<()>())
            .await
            .unwrap_err();
        assert_eq!(Instant::now(), start + Duration::from_millis(250));
        assert_eq!(err.to_string(), "deadline has elapsed");
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
    });
}

#[test]
fn future_that_finishes_first_wins() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let out = timeout(Duration::from_millis(100), async {
            sleep(Duration::from_millis(99)).await;
            5
        })
        .await;
        assert_eq!(out, Ok(5));
        let out = timeout(Duration::from_millis(100), async {
            sleep(Duration::from_millis(101)).await;
            5
        })
        .await;
        assert!(matches!(out, Err(Elapsed { .. })));
    });
}

#[test]
fn accessors() {
    let mut driver = real();
    let _g = driver.handle().enter();
    let mut t = timeout(Duration::from_secs(1), ready(3u8));
    assert!(format!("{t:?}").contains("Timeout"));
    assert!(format!("{:?}", t.get_ref()).contains("Ready"));
    // `get_mut` gives the inner future itself: polling it through the reference works.
    assert_eq!(block_on(&mut driver, t.get_mut()), 3);
    let inner: std::future::Ready<u8> = t.into_inner();
    drop(inner);
}

#[test]
fn deadline_is_checked_when_inner_future_spent_the_budget() {
    // A real clock: a task that always yields keeps a paused runtime from going idle, so
    // the paused clock would never auto-advance (as in tokio).
    let mut driver = real();
    block_on(&mut driver, async {
        // The inner future spends the whole budget on every poll and never completes.
        let greedy = poll_fn(|cx| {
            while let Poll::Ready(r) = coop::poll_proceed(cx) {
                r.made_progress();
            }
            Poll::<()>::Pending
        });
        let t = timeout(Duration::from_millis(10), greedy);
        assert!(t.await.is_err());
    });
}

#[test]
fn timeout_with_huge_duration_does_not_overflow() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let mut t = pin!(timeout(Duration::MAX, pending::<()>()));
        assert!(poll_once(t.as_mut()).is_pending());
    });
}

#[test]
fn accepts_into_future() {
    struct Later;
    impl std::future::IntoFuture for Later {
        type Output = u8;
        type IntoFuture = std::future::Ready<u8>;
        fn into_future(self) -> Self::IntoFuture {
            ready(9)
        }
    }
    let mut driver = paused();
    block_on(&mut driver, async {
        assert_eq!(timeout(Duration::from_secs(1), Later).await, Ok(9));
    });
}

#[test]
fn deadline_passed_by_advance_is_elapsed_at_the_first_poll() {
    // No timer exists while the clock moves, so the driver has nothing to fire; a deadline
    // the paused clock has passed must still count as elapsed when the timer is first
    // polled, not one driver turn later (as in tokio).
    let mut driver = paused();
    block_on(&mut driver, async {
        // Mid-millisecond, so the deadline's tick is a later one than now's.
        magpie_timer::advance(Duration::from_micros(500)).await;
        let mut late = pin!(timeout_at(Instant::now(), pending::<()>()));
        let mut sleep = pin!(magpie_timer::sleep_until(Instant::now()));
        magpie_timer::advance(Duration::from_millis(1)).await;
        assert!(matches!(
            poll_once(late.as_mut()),
            Poll::Ready(Err(Elapsed { .. }))
        ));
        assert!(poll_once(sleep.as_mut()).is_ready());
    });
}
