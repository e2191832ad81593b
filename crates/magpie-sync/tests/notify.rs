//! Behaviour tests for `Notify`.
#![cfg(not(loom))]

mod common;

use std::pin::pin;
use std::sync::Arc;

use common::{run, Task};
use magpie_sync::Notify;

#[test]
fn notify_one_before_wait_stores_permit() {
    run(async {
        let n = Notify::new();
        n.notify_one();
        n.notify_one(); // coalesces: one permit at most
        n.notified().await;
        let mut t = Task::new(n.notified());
        t.pending();
    });
}

#[test]
fn notify_one_wakes_in_fifo_order() {
    let n = Arc::new(Notify::new());
    let mut a = Task::new({
        let n = n.clone();
        async move { n.notified().await }
    });
    let mut b = Task::new({
        let n = n.clone();
        async move { n.notified().await }
    });
    a.pending();
    b.pending();
    n.notify_one();
    assert!(a.is_woken());
    assert!(!b.is_woken());
    a.ready();
    b.pending();
    n.notify_one();
    b.ready();
}

#[test]
fn notify_last_wakes_newest() {
    let n = Arc::new(Notify::new());
    let mut a = Task::new({
        let n = n.clone();
        async move { n.notified().await }
    });
    let mut b = Task::new({
        let n = n.clone();
        async move { n.notified().await }
    });
    a.pending();
    b.pending();
    n.notify_last();
    assert!(b.is_woken());
    assert!(!a.is_woken());
    b.ready();
    a.pending();
}

#[test]
fn notify_waiters_wakes_all_created_before() {
    let n = Notify::new();
    let mut polled = Task::new(n.notified());
    polled.pending();
    let unpolled = n.notified();
    n.notify_waiters();
    assert!(polled.is_woken());
    polled.ready();
    // created before the call, never polled: still notified
    let mut unpolled = Task::new(unpolled);
    unpolled.ready();
    // created after: not notified, and no permit was stored
    let mut later = Task::new(n.notified());
    later.pending();
}

#[test]
fn dropped_notified_passes_notification_on() {
    let n = Arc::new(Notify::new());
    let mut a = Task::new({
        let n = n.clone();
        async move { n.notified().await }
    });
    let mut b = Task::new({
        let n = n.clone();
        async move { n.notified().await }
    });
    a.pending();
    b.pending();
    n.notify_one();
    drop(a); // notified but never observed it
    assert!(b.is_woken());
    b.ready();
}

#[test]
fn dropped_last_notified_stores_permit() {
    let n = Notify::new();
    let mut a = Task::new(n.notified());
    a.pending();
    n.notify_one();
    drop(a);
    run(n.notified()); // the permit was stored
}

#[test]
fn enable_registers_without_polling() {
    run(async {
        let n = Notify::new();
        let mut fut = pin!(n.notified());
        assert!(!fut.as_mut().enable());
        assert!(!fut.as_mut().enable());
        n.notify_one();
        assert!(fut.as_mut().enable());
        fut.await;
        // a stored permit makes enable report true at once
        n.notify_one();
        let mut fut = pin!(n.notified());
        assert!(fut.as_mut().enable());
    });
}

#[test]
fn notify_waiters_does_not_store_permit() {
    let n = Notify::new();
    n.notify_waiters();
    let mut t = Task::new(n.notified());
    t.pending();
}

#[test]
fn many_waiters_notify_waiters() {
    let n = Notify::new();
    let mut tasks: Vec<_> = (0..100).map(|_| Task::new(n.notified())).collect();
    for t in &mut tasks {
        t.pending();
    }
    n.notify_waiters();
    for t in &mut tasks {
        assert!(t.is_woken());
        t.ready();
    }
}

#[test]
fn cross_thread_ping_pong() {
    let ping = Arc::new(Notify::new());
    let pong = Arc::new(Notify::new());
    let (p2, q2) = (ping.clone(), pong.clone());
    let t = std::thread::spawn(move || {
        run(async {
            for _ in 0..1000 {
                p2.notified().await;
                q2.notify_one();
            }
        })
    });
    run(async {
        for _ in 0..1000 {
            ping.notify_one();
            pong.notified().await;
        }
    });
    t.join().unwrap();
}

#[test]
fn const_new_and_default() {
    static N: Notify = Notify::const_new();
    N.notify_one();
    run(N.notified());
    let d = Notify::default();
    d.notify_one();
    run(d.notified());
}

#[test]
fn notified_owned() {
    let n = Arc::new(Notify::new());
    let mut t = Task::new(n.clone().notified_owned());
    t.pending();
    n.notify_one();
    assert!(t.is_woken());
    t.ready();
    let mut fut = Box::pin(n.clone().notified_owned());
    assert!(!fut.as_mut().enable());
    n.notify_waiters();
    run(fut);
    fn is_static_send<T: Send + Sync + 'static>(_: &T) {}
    is_static_send(&n.notified_owned());
}

/// A registered waiter is dropped at a random moment while `notify_one` races in from
/// another thread; the notification must survive (forwarded or stored) so a fresh waiter
/// completes.
#[test]
fn notify_one_survives_random_drops() {
    let n = Arc::new(Notify::new());
    let mut rng = common::XorShift::new(42);
    for _ in 0..2000 {
        let mut first = Task::new(n.notified());
        first.pending();
        let n2 = n.clone();
        let notifier = std::thread::spawn(move || n2.notify_one());
        for _ in 0..rng.below(3) {
            if first.poll().is_ready() {
                break;
            }
            std::thread::yield_now();
        }
        let completed = first.poll().is_ready();
        drop(first);
        notifier.join().unwrap();
        if !completed {
            // the notification went to the dropped waiter or is still to come: either way
            // it must now be stored for the next waiter
            run(n.notified());
        }
        // and no extra permit is left over
        let mut extra = Task::new(n.notified());
        extra.pending();
    }
}

#[test]
fn notify_waiters_completes_an_unpolled_future_without_taking_the_permit() {
    use futures::FutureExt;

    let notify = Notify::new();
    let first = notify.notified();
    notify.notify_waiters();
    notify.notify_one();
    // `first` was completed by `notify_waiters`; the permit stays for the next waiter.
    assert!(first.now_or_never().is_some());
    assert!(notify.notified().now_or_never().is_some());
    assert!(notify.notified().now_or_never().is_none());
}

/// A waker whose drop notifies the `Notify` it waits on: dropping it under the lock would
/// deadlock.
struct NotifyOnDrop(std::sync::Arc<Notify>);

impl std::task::Wake for NotifyOnDrop {
    fn wake(self: std::sync::Arc<Self>) {}
}

impl Drop for NotifyOnDrop {
    fn drop(&mut self) {
        self.0.notify_one();
    }
}

#[test]
fn replaced_waker_is_dropped_outside_the_lock() {
    use std::future::Future;
    use std::task::{Context, Waker};

    let notify = std::sync::Arc::new(Notify::new());
    let mut notified = Box::pin(notify.notified());
    let waker = Waker::from(std::sync::Arc::new(NotifyOnDrop(notify.clone())));
    assert!(notified
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    // Replacing (and dropping) the first waker notifies: the future is then woken.
    let mut cx = Context::from_waker(Waker::noop());
    let _ = notified.as_mut().poll(&mut cx);
    assert!(notified.as_mut().poll(&mut cx).is_ready());
}

/// A waker whose clone notifies the `Notify` it is registered with: cloning it under the
/// waiter lock would deadlock.
#[test]
fn waker_is_cloned_outside_the_lock() {
    use std::future::Future;
    use std::task::{Context, RawWaker, RawWakerVTable, Waker};

    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, drop_it);
    fn clone(data: *const ()) -> RawWaker {
        // SAFETY: `data` came from `Arc::into_raw` of an `Arc<Notify>` kept alive by the
        // waker being cloned.
        unsafe {
            Arc::increment_strong_count(data as *const Notify);
            (*(data as *const Notify)).notify_one();
        }
        RawWaker::new(data, &VTABLE)
    }
    fn noop(_: *const ()) {}
    fn drop_it(data: *const ()) {
        // SAFETY: each waker owns one strong count of the `Arc<Notify>`.
        drop(unsafe { Arc::from_raw(data as *const Notify) });
    }

    let notify = Arc::new(Notify::new());
    let raw = RawWaker::new(Arc::into_raw(notify.clone()) as *const (), &VTABLE);
    // SAFETY: the vtable functions uphold the `RawWaker` contract for this data.
    let waker = unsafe { Waker::from_raw(raw) };
    let mut notified = pin!(notify.notified());
    let _ = notified.as_mut().poll(&mut Context::from_waker(&waker));
}

#[test]
fn a_panicking_waker_does_not_stop_notify_waiters() {
    use std::future::Future;
    use std::task::{Context, Waker};

    struct Panics;
    impl std::task::Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("this waker panics");
        }
    }
    let notify = Notify::new();
    // First in line, with the panicking waker.
    let mut bad = pin!(notify.notified());
    let waker = Waker::from(Arc::new(Panics));
    assert!(bad
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    // More than one batch of wakers behind it.
    let mut others: Vec<_> = (0..40).map(|_| Task::new(notify.notified())).collect();
    for t in &mut others {
        t.pending();
    }
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| notify.notify_waiters()));
    assert!(res.is_err());
    for t in &mut others {
        assert!(t.is_woken());
        t.ready();
    }
}
