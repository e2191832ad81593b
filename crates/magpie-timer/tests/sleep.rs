//! `sleep`, `sleep_until` and `Sleep`: ordering, reset, cancellation, budget, wake-ups.

mod common;

use std::cell::RefCell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use common::{block_on, paused, poll_once, real, run_all, XorShift};
use magpie_sched::coop;
use magpie_sched::park::Park;
use magpie_timer::{sleep, sleep_until, Instant, Sleep};

#[test]
fn sleep_completes_no_earlier_than_its_deadline() {
    let mut driver = real();
    block_on(&mut driver, async {
        let start = Instant::now();
        sleep(Duration::from_millis(15)).await;
        assert!(Instant::now() >= start + Duration::from_millis(15));
    });
}

#[test]
fn paused_sleep_completes_exactly_at_deadline() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let start = Instant::now();
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(3600));
        let s = sleep(Duration::from_millis(1));
        let deadline = s.deadline();
        s.await;
        assert_eq!(Instant::now(), deadline);
    });
}

#[test]
fn deadline_and_is_elapsed() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let deadline = Instant::now() + Duration::from_millis(10);
        let mut s = pin!(sleep_until(deadline));
        assert_eq!(s.deadline(), deadline);
        assert!(!s.is_elapsed());
        assert!(poll_once(s.as_mut()).is_pending());
        assert!(!s.is_elapsed());
        s.as_mut().await;
        assert!(s.is_elapsed());
        assert_eq!(Instant::now(), deadline);
    });
}

#[test]
fn past_deadline_completes_without_waiting() {
    let mut driver = paused();
    block_on(&mut driver, async {
        sleep(Duration::from_millis(5)).await;
        let start = Instant::now();
        sleep_until(start - Duration::from_millis(3)).await;
        sleep(Duration::ZERO).await;
        assert_eq!(Instant::now(), start);
    });
}

#[test]
fn many_sleeps_fire_in_deadline_order() {
    let mut driver = paused();
    let order = Rc::new(RefCell::new(Vec::new()));
    let mut rng = XorShift(42);
    let tasks = (0..500)
        .map(|i| {
            let ms = rng.next() % 2000;
            let order = order.clone();
            Box::pin(async move {
                let s = sleep(Duration::from_millis(ms));
                let deadline = s.deadline();
                s.await;
                assert_eq!(Instant::now(), deadline, "sleep {i} fired off its deadline");
                order.borrow_mut().push(ms);
            }) as Pin<Box<dyn Future<Output = ()>>>
        })
        .collect();
    run_all(&mut driver, tasks);
    let order = order.borrow();
    assert_eq!(order.len(), 500);
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "out of order: {order:?}"
    );
}

#[test]
fn reset_to_earlier_and_later() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let start = Instant::now();
        let mut s = pin!(sleep(Duration::from_secs(10)));
        assert!(poll_once(s.as_mut()).is_pending());
        // Earlier, while registered.
        s.as_mut().reset(start + Duration::from_millis(100));
        s.as_mut().await;
        assert_eq!(Instant::now(), start + Duration::from_millis(100));
        // After it fired: a new deadline, later.
        s.as_mut().reset(start + Duration::from_millis(300));
        assert!(!s.is_elapsed());
        assert_eq!(s.deadline(), start + Duration::from_millis(300));
        s.as_mut().await;
        assert_eq!(Instant::now(), start + Duration::from_millis(300));
        // Later, while registered.
        s.as_mut().reset(start + Duration::from_millis(400));
        assert!(poll_once(s.as_mut()).is_pending());
        s.as_mut().reset(start + Duration::from_millis(900));
        s.as_mut().await;
        assert_eq!(Instant::now(), start + Duration::from_millis(900));
        // Into the past while registered: completes at once.
        let now = Instant::now();
        s.as_mut().reset(now + Duration::from_secs(5));
        assert!(poll_once(s.as_mut()).is_pending());
        s.as_mut().reset(now - Duration::from_millis(1));
        s.as_mut().await;
        assert_eq!(Instant::now(), now);
    });
}

#[test]
fn reset_wakes_the_waiting_task_without_a_new_poll() {
    // A task waits on a sleep that another task resets: the waiter must be woken at the
    // new deadline from its old registration.
    let mut driver = paused();
    let shared: Rc<RefCell<Option<Pin<Box<Sleep>>>>> = Rc::new(RefCell::new(None));
    let done = Rc::new(RefCell::new(None));
    let (s1, d1) = (shared.clone(), done.clone());
    let waiter = Box::pin(async move {
        *s1.borrow_mut() = Some(Box::pin(sleep(Duration::from_secs(100))));
        std::future::poll_fn(|cx| s1.borrow_mut().as_mut().unwrap().as_mut().poll(cx)).await;
        *d1.borrow_mut() = Some(Instant::now());
    }) as Pin<Box<dyn Future<Output = ()>>>;
    let s2 = shared.clone();
    let resetter = Box::pin(async move {
        let start = Instant::now();
        sleep(Duration::from_millis(10)).await;
        s2.borrow_mut()
            .as_mut()
            .unwrap()
            .as_mut()
            .reset(start + Duration::from_millis(20));
    }) as Pin<Box<dyn Future<Output = ()>>>;
    let start = driver.handle().now();
    run_all(&mut driver, vec![waiter, resetter]);
    assert_eq!(done.borrow().unwrap(), start + Duration::from_millis(20));
}

#[test]
fn dropped_sleeps_never_fire_and_others_do() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let mut kept = Vec::new();
        for i in 0..100u64 {
            let mut s = Box::pin(sleep(Duration::from_millis(1 + i)));
            assert!(poll_once(s.as_mut()).is_pending());
            if i % 2 == 0 {
                drop(s);
            } else {
                kept.push(s);
            }
        }
        // Dropped before ever polled: nothing registered.
        drop(sleep(Duration::from_millis(1)));
        for s in &mut kept {
            s.as_mut().await;
        }
        assert!(kept.iter().all(|s| s.is_elapsed()));
    });
}

#[test]
fn dropping_after_fire_is_fine() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let mut s = Box::pin(sleep(Duration::from_millis(3)));
        assert!(poll_once(s.as_mut()).is_pending());
        sleep(Duration::from_millis(5)).await;
        assert!(s.is_elapsed());
        drop(s);
    });
}

#[test]
fn sleep_consumes_coop_budget() {
    let mut driver = paused();
    block_on(&mut driver, async {
        let mut s = pin!(sleep(Duration::ZERO));
        s.as_mut().await;
        coop::budget(|| {
            for _ in 0..coop::BUDGET {
                assert!(poll_once(s.as_mut()).is_ready());
            }
            assert!(poll_once(s.as_mut()).is_pending(), "budget was not spent");
        });
        // Unconstrained: never yields.
        coop::with_unconstrained(|| {
            for _ in 0..1000 {
                assert!(poll_once(s.as_mut()).is_ready());
            }
        });
    });
}

#[test]
fn registration_from_another_thread_wakes_the_parked_driver() {
    let mut driver = real();
    let handle = driver.handle();
    // The driver sleeps towards a deadline an hour away.
    let far = {
        let _g = handle.enter();
        let mut far = Box::pin(sleep(Duration::from_secs(3600)));
        assert!(poll_once(far.as_mut()).is_pending());
        far
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let unpark = driver.unpark();
    let driver_thread = std::thread::spawn(move || {
        while !stop2.load(std::sync::atomic::Ordering::SeqCst) {
            driver.park();
        }
        driver
    });
    // Give the driver time to go to sleep (not needed for correctness either way).
    std::thread::sleep(Duration::from_millis(20));
    {
        let _g = handle.enter();
        // Completing at all proves the registration woke the driver: otherwise this would
        // wait for the hour-long deadline.
        futures::executor::block_on(sleep(Duration::from_millis(5)));
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    magpie_sched::park::Unpark::unpark(&unpark);
    let driver = driver_thread.join().unwrap();
    drop(far);
    drop(driver);
}

#[test]
fn sleep_is_send_sync_and_not_unpin() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Sleep>();
    send_sync::<magpie_timer::Handle>();
    // `Sleep: !Unpin` cannot be asserted directly; this is the usual trick: if `Sleep`
    // were `Unpin`, the blanket impl below would make the call ambiguous.
    trait AmbiguousIfUnpin<A> {
        fn check() {}
    }
    impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
    impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}
    <Sleep as AmbiguousIfUnpin<_>>::check();
}

#[test]
fn random_sleeps_all_fire_in_order() {
    // 100,000 in debug builds, 1,000,000 in release or with MAGPIE_TIMER_BIG=1.
    let n: u64 = if cfg!(debug_assertions) && std::env::var_os("MAGPIE_TIMER_BIG").is_none() {
        100_000
    } else {
        1_000_000
    };
    let mut driver = paused();
    let start = driver.handle().now();
    let mut rng = XorShift(0xDEAD_BEEF);
    let fired = Rc::new(RefCell::new(Vec::with_capacity(n as usize)));
    let tasks = (0..n)
        .map(|_| {
            let ms = 1 + rng.next() % (n * 4);
            let fired = fired.clone();
            Box::pin(async move {
                sleep_until(start + Duration::from_millis(ms)).await;
                fired.borrow_mut().push((ms, Instant::now()));
            }) as Pin<Box<dyn Future<Output = ()>>>
        })
        .collect();
    run_all(&mut driver, tasks);
    let fired = fired.borrow();
    assert_eq!(fired.len() as u64, n);
    let mut last = 0;
    for &(ms, at) in fired.iter() {
        assert!(ms >= last, "fired out of order: {ms} after {last}");
        assert_eq!(
            at,
            start + Duration::from_millis(ms),
            "fired off its deadline"
        );
        last = ms;
    }
}

#[test]
fn poll_after_shutdown_panics_with_clear_message() {
    let mut driver = paused();
    let handle = driver.handle();
    let _g = handle.enter();
    let mut pending = Box::pin(sleep(Duration::from_secs(1)));
    assert!(poll_once(pending.as_mut()).is_pending());
    driver.shutdown();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(pending.as_mut());
    }))
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("being shutdown"), "{msg}");
    drop(pending);
}

fn panic_text(err: &(dyn std::any::Any + Send)) -> &str {
    err.downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .expect("a text panic")
}

#[test]
fn sleep_outside_runtime_panics_with_tokios_message() {
    let err = std::panic::catch_unwind(|| sleep(Duration::from_millis(1))).unwrap_err();
    let msg = panic_text(&*err);
    assert!(
        msg.starts_with(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
        ),
        "{msg}"
    );
    assert!(msg.contains("magpie is one"), "{msg}");
}

#[test]
fn sleep_with_time_disabled_says_enable_time() {
    let _g = magpie_timer::Handle::enter_disabled();
    let err = std::panic::catch_unwind(|| sleep(Duration::from_millis(1))).unwrap_err();
    let msg = panic_text(&*err);
    assert_eq!(
        msg,
        "A Tokio 1.x context was found, but timers are disabled. Call `enable_time` on the \
         runtime builder to enable timers."
    );
}

#[test]
fn enter_nests_and_restores() {
    let a = paused();
    let b = real();
    assert!(magpie_timer::Handle::try_current().is_none());
    {
        let _ga = a.handle().enter();
        {
            let _gd = magpie_timer::Handle::enter_disabled();
            assert!(magpie_timer::Handle::try_current().is_none());
            let _gb = b.handle().enter();
            assert!(magpie_timer::Handle::try_current().is_some());
        }
        // Back to `a`: its paused clock is what `Instant::now` reads.
        let t1 = Instant::now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(Instant::now(), t1);
    }
    assert!(magpie_timer::Handle::try_current().is_none());
    let _ = Poll::<()>::Pending;
}

struct CountWakes(std::sync::atomic::AtomicUsize);
impl std::task::Wake for CountWakes {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn dropping_the_driver_without_shutdown_still_releases_timers() {
    let driver = magpie_timer::Builder::new()
        .shards(1)
        .build(magpie_sched::park::Parker::new());
    let handle = driver.handle();
    let _g = handle.enter();
    let wakes = std::sync::Arc::new(CountWakes(std::sync::atomic::AtomicUsize::new(0)));
    let waker = std::task::Waker::from(wakes.clone());
    let mut s = Box::pin(sleep(Duration::from_secs(60)));
    assert!(s
        .as_mut()
        .poll(&mut std::task::Context::from_waker(&waker))
        .is_pending());
    drop(driver);
    assert_eq!(wakes.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(handle.is_shutdown());
    drop(s);
}
