//! The test clock (`pause`, `resume`, `advance`, `start_paused`, auto-advance and its
//! inhibition) and `Instant`.

mod common;

use std::pin::pin;
use std::time::Duration;

use common::{block_on, paused, poll_once, real};
use magpie_sched::park::{Park, Parker};
use magpie_timer::{advance, pause, resume, sleep, Builder, Instant};

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).unwrap_err();
    match err.downcast::<String>() {
        Ok(s) => *s,
        Err(err) => err.downcast_ref::<&str>().unwrap().to_string(),
    }
}

#[test]
fn pause_freezes_now_and_advance_moves_it() {
    let mut driver = real();
    block_on(&mut driver, async {
        pause();
        let t0 = Instant::now();
        std::thread::sleep(Duration::from_millis(3));
        assert_eq!(Instant::now(), t0);
        advance(Duration::from_secs(10)).await;
        assert_eq!(Instant::now(), t0 + Duration::from_secs(10));
        assert_eq!(t0.elapsed(), Duration::from_secs(10));
        resume();
        // Time moves on from the advanced reading, not from the system clock.
        assert!(Instant::now() >= t0 + Duration::from_secs(10));
        pause();
        let t1 = Instant::now();
        assert!(t1 >= t0 + Duration::from_secs(10));
    });
}

#[test]
fn advance_fires_due_timers() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let mut s = pin!(sleep(Duration::from_millis(10)));
        let mut later = pin!(sleep(Duration::from_millis(11)));
        assert!(poll_once(s.as_mut()).is_pending());
        assert!(poll_once(later.as_mut()).is_pending());
        advance(Duration::from_millis(10)).await;
        assert!(s.is_elapsed());
        assert!(!later.is_elapsed());
    });
}

#[test]
fn auto_advance_jumps_to_the_next_deadline_only_when_idle() {
    let mut driver = paused();
    let handle = driver.handle();
    let start = handle.now();
    let _g = handle.enter();
    let mut s = Box::pin(sleep(Duration::from_secs(5)));
    assert!(poll_once(s.as_mut()).is_pending());
    // A zero-timeout park polls, it does not jump.
    driver.park_timeout(Duration::ZERO);
    assert_eq!(handle.now(), start);
    // Parks may return early to cascade a coarse wheel slot (the clock then shows the
    // slot's start); the sleep fires exactly at its deadline.
    while !s.is_elapsed() {
        driver.park();
    }
    assert_eq!(handle.now(), start + Duration::from_secs(5));
    assert!(s.is_elapsed());
    // A bounded park with no timer advances by the bound, as tokio's does.
    driver.park_timeout(Duration::from_millis(7));
    assert_eq!(handle.now(), start + Duration::from_millis(5007));
}

#[test]
fn a_wake_up_during_the_park_defers_auto_advance() {
    let mut driver = paused();
    let handle = driver.handle();
    let start = handle.now();
    let _g = handle.enter();
    let mut s = Box::pin(sleep(Duration::from_secs(5)));
    assert!(poll_once(s.as_mut()).is_pending());
    // Work arrived (a task was woken) just as the runtime went to park: the park returns
    // without jumping the clock, so the woken task runs at the current time.
    magpie_sched::park::Unpark::unpark(&driver.unpark());
    driver.park();
    assert_eq!(handle.now(), start);
    assert!(!s.is_elapsed());
    while !s.is_elapsed() {
        driver.park();
    }
    assert_eq!(handle.now(), start + Duration::from_secs(5));
}

#[test]
fn inhibited_auto_advance_waits_in_real_time() {
    let mut driver = paused();
    let handle = driver.handle();
    let start = handle.now();
    let _g = handle.enter();
    let mut s = Box::pin(sleep(Duration::from_secs(3600)));
    assert!(poll_once(s.as_mut()).is_pending());
    let guard = handle.inhibit_auto_advance();
    let nested = handle.inhibit_auto_advance();
    // Parks for real (2 ms), and the paused clock stays put.
    driver.park_timeout(Duration::from_millis(2));
    assert_eq!(handle.now(), start);
    drop(guard);
    driver.park_timeout(Duration::from_millis(2));
    assert_eq!(handle.now(), start);
    drop(nested);
    while !s.is_elapsed() {
        driver.park();
    }
    assert_eq!(handle.now(), start + Duration::from_secs(3600));
    assert!(s.is_elapsed());
}

#[test]
fn misuse_messages() {
    let driver = real();
    let handle = driver.handle();
    let msg = panic_message(|| {
        let _g = handle.enter();
        resume();
    });
    assert!(msg.contains("not frozen"), "{msg}");
    let msg = panic_message(|| {
        let _g = handle.enter();
        pause();
        pause();
    });
    assert!(msg.contains("already frozen"), "{msg}");
    let msg = panic_message(pause);
    assert!(msg.contains("outside a magpie runtime"), "{msg}");

    let fixed = Builder::new().pausable(false).build(Parker::new());
    let h = fixed.handle();
    let msg = panic_message(move || {
        let _g = h.enter();
        pause();
    });
    assert!(msg.contains("current_thread"), "{msg}");
    let msg = panic_message(|| {
        let _ = Builder::new()
            .pausable(false)
            .start_paused(true)
            .build(Parker::new());
    });
    assert!(msg.contains("current_thread"), "{msg}");
}

#[test]
fn advance_without_pause_panics() {
    let mut driver = real();
    let msg = panic_message(std::panic::AssertUnwindSafe(|| {
        block_on(&mut driver, advance(Duration::from_millis(1)))
    }));
    assert!(msg.contains("not frozen"), "{msg}");
}

#[test]
fn instant_api() {
    let a = Instant::now();
    let b = a + Duration::from_millis(10);
    assert_eq!(b - a, Duration::from_millis(10));
    assert_eq!(a - b, Duration::ZERO);
    assert_eq!(b.duration_since(a), Duration::from_millis(10));
    assert_eq!(a.duration_since(b), Duration::ZERO);
    assert_eq!(a.checked_duration_since(b), None);
    assert_eq!(b.checked_duration_since(a), Some(Duration::from_millis(10)));
    assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
    assert_eq!(b.checked_sub(Duration::from_millis(10)), Some(a));
    assert_eq!(a.checked_add(Duration::MAX), None);
    assert_eq!(b - Duration::from_millis(10), a);
    let mut c = a;
    c += Duration::from_secs(1);
    c -= Duration::from_millis(500);
    assert_eq!(c, a + Duration::from_millis(500));
    let std: std::time::Instant = a.into_std();
    assert_eq!(Instant::from_std(std), a);
    assert_eq!(Instant::from(std), a);
    assert_eq!(std::time::Instant::from(a), std);
    assert!(a < b);
    assert_eq!(format!("{a:?}"), format!("{std:?}"));
    let _ = a.elapsed();
}

#[test]
fn instant_now_follows_the_entered_paused_clock() {
    let driver = paused();
    let handle = driver.handle();
    let frozen = {
        let _g = handle.enter();
        Instant::now()
    };
    std::thread::sleep(Duration::from_millis(2));
    {
        let _g = handle.enter();
        assert_eq!(Instant::now(), frozen);
    }
    assert!(Instant::now() > frozen);
}
