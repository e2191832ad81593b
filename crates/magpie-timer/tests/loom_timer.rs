//! Loom models of the races between a timer's owner and the driver thread that fires it:
//! cancellation (drop), waker re-registration (poll) and reset, each against a fire.
//!
//! The driver runs on a paused clock, so `park_timeout` jumps the clock instead of
//! sleeping and every model terminates.

#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use loom::thread;
use magpie_sched::park::{Park, Parker};
use magpie_timer::{sleep, Builder, Sleep, Timer};

struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<CountWakes>, Waker) {
    let count = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    (count, waker)
}

fn paused_driver() -> Timer<Parker> {
    Builder::new()
        .shards(1)
        .start_paused(true)
        .build(Parker::new())
}

/// A registered 5 ms sleep, and a driver thread that jumps the clock 10 ms and fires it.
fn setup(waker: &Waker) -> (Pin<Box<Sleep>>, thread::JoinHandle<Timer<Parker>>) {
    let mut driver = paused_driver();
    let handle = driver.handle();
    let mut s = {
        let _g = handle.enter();
        Box::pin(sleep(Duration::from_millis(5)))
    };
    assert!(s
        .as_mut()
        .poll(&mut Context::from_waker(waker))
        .is_pending());
    let driver_thread = thread::spawn(move || {
        driver.park_timeout(Duration::from_millis(10));
        driver
    });
    (s, driver_thread)
}

#[test]
fn cancel_races_fire() {
    loom::model(|| {
        let (_count, waker) = counting_waker();
        let (s, driver_thread) = setup(&waker);
        // Dropping unlinks the entry (or finds it fired). Under loom, dropping an entry
        // writes its cells, so loom fails the model if the driver could touch the entry
        // concurrently with, or after, the drop.
        drop(s);
        let mut driver = driver_thread.join().unwrap();
        // The wheel is consistent afterwards: nothing left to fire, parking returns.
        driver.park_timeout(Duration::ZERO);
    });
}

#[test]
fn poll_races_fire_without_losing_the_wakeup() {
    loom::model(|| {
        let (first, waker) = counting_waker();
        let (mut s, driver_thread) = setup(&waker);
        let (second, new_waker) = counting_waker();
        // Re-polling with a new waker while the driver fires: either this poll sees the
        // timer fired, or one of the wakers is woken.
        let ready = s
            .as_mut()
            .poll(&mut Context::from_waker(&new_waker))
            .is_ready();
        let driver = driver_thread.join().unwrap();
        assert!(s.is_elapsed());
        // (Both wakers may be woken when the poll overlaps the fire: a spurious wake-up of
        // the old waker is allowed, a lost one of the new waker is not.)
        assert!(first.0.load(Ordering::SeqCst) <= 1);
        assert!(
            ready || second.0.load(Ordering::SeqCst) == 1,
            "wake-up lost"
        );
        drop(s);
        drop(driver);
    });
}

#[test]
fn reset_races_fire() {
    loom::model(|| {
        let (_count, waker) = counting_waker();
        let (mut s, driver_thread) = setup(&waker);
        let handle_now = {
            // The deadline moves far past what the driver thread will reach.
            s.deadline() + Duration::from_millis(995)
        };
        s.as_mut().reset(handle_now);
        let mut driver = driver_thread.join().unwrap();
        // Whichever came first, the sleep is not elapsed now: a fire before the reset is
        // undone by it, a fire after it finds the entry moved.
        assert!(!s.is_elapsed());
        assert_eq!(s.deadline(), handle_now);
        // And the entry is correctly filed: it fires at the new deadline.
        let (count, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut rounds = 0;
        while s.as_mut().poll(&mut cx) == Poll::Pending {
            driver.park();
            rounds += 1;
            assert!(rounds < 10, "reset sleep never fired");
        }
        assert_eq!(driver.handle().now(), handle_now);
        let _ = count;
    });
}

#[test]
fn registration_wakes_a_driver_parked_without_deadline() {
    // The driver parks with no timer (paused clock: it would sleep until unparked). A
    // registration from another thread must either be seen by the driver's scan or unpark
    // it; otherwise the driver sleeps forever and loom reports a deadlock.
    loom::model(|| {
        let mut driver = paused_driver();
        let handle = driver.handle();
        let driver_thread = thread::spawn(move || {
            driver.park();
            driver
        });
        let (_count, waker) = counting_waker();
        let mut s = {
            let _g = handle.enter();
            Box::pin(sleep(Duration::from_millis(5)))
        };
        assert!(s
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending());
        let driver = driver_thread.join().unwrap();
        drop(s);
        drop(driver);
    });
}

#[test]
fn cancel_and_reset_race_shutdown() {
    // Shutdown drains every shard from the driver thread while the owners of two timers
    // cancel one and reset the other.
    loom::model(|| {
        let mut driver = paused_driver();
        let handle = driver.handle();
        let (_count_a, waker_a) = counting_waker();
        let (count_b, waker_b) = counting_waker();
        let (mut a, mut b) = {
            let _g = handle.enter();
            (
                Box::pin(sleep(Duration::from_millis(5))),
                Box::pin(sleep(Duration::from_millis(7))),
            )
        };
        assert!(a
            .as_mut()
            .poll(&mut Context::from_waker(&waker_a))
            .is_pending());
        assert!(b
            .as_mut()
            .poll(&mut Context::from_waker(&waker_b))
            .is_pending());
        let driver_thread = thread::spawn(move || {
            driver.shutdown();
            driver
        });
        drop(a);
        let to = b.deadline() + Duration::from_millis(100);
        b.as_mut().reset(to);
        let driver = driver_thread.join().unwrap();
        assert!(handle.is_shutdown());
        // Drained before its reset, reset after the shutdown began, or reset first and
        // drained after: in every order its waiter is woken (and its next poll would
        // report the shutdown), and it is off the wheel.
        assert_eq!(count_b.0.load(Ordering::SeqCst), 1);
        drop(b);
        drop(driver);
    });
}
