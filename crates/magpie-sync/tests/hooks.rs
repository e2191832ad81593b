//! The runtime hooks: coop budget, timer for `send_timeout`, and the "inside a runtime"
//! check. Hooks are process-wide, so they live in this separate test binary, and each
//! reads thread-local state so the tests here do not disturb each other.
#![cfg(not(loom))]

mod common;

use std::cell::Cell;
use std::sync::Once;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{run, Task};
use magpie_sync::hooks::{self, CoopHooks, Sleep};
use magpie_sync::mpsc::{self, error::SendTimeoutError};

thread_local! {
    static IN_RUNTIME: Cell<bool> = const { Cell::new(false) };
    static BUDGET: Cell<Option<u32>> = const { Cell::new(None) };
}

fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    BUDGET.with(|b| match b.get() {
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        _ => Poll::Ready(()),
    })
}

fn made_progress() {
    BUDGET.with(|b| b.set(b.get().map(|n| n - 1)));
}

fn sleep(d: Duration) -> Sleep {
    // Zero-length sleeps finish at once; others never do (no wall clock in tests).
    if d.is_zero() {
        Box::pin(async {})
    } else {
        Box::pin(std::future::pending())
    }
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        hooks::set_coop_hooks(CoopHooks {
            poll_proceed,
            made_progress,
        });
        hooks::set_runtime_check(|| IN_RUNTIME.with(Cell::get));
        hooks::set_sleep_hook(sleep);
    });
}

#[test]
fn blocking_recv_inside_runtime_panics() {
    install();
    let (_tx, mut rx) = mpsc::channel::<u8>(1);
    IN_RUNTIME.with(|c| c.set(true));
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.blocking_recv())).unwrap_err();
    IN_RUNTIME.with(|c| c.set(false));
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_else(|| {
        err.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default()
    });
    assert!(
        msg.starts_with("Cannot block the current thread from within a runtime."),
        "{msg}"
    );
}

#[test]
fn every_blocking_method_checks() {
    install();
    IN_RUNTIME.with(|c| c.set(true));
    let checks: Vec<Box<dyn FnOnce()>> = vec![
        Box::new(|| {
            let (tx, _rx) = mpsc::channel::<u8>(1);
            let _ = tx.blocking_send(1);
        }),
        Box::new(|| {
            let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
            let _ = rx.blocking_recv();
        }),
        Box::new(|| {
            let (tx, rx) = magpie_sync::oneshot::channel::<u8>();
            tx.send(1).unwrap();
            let _ = rx.blocking_recv();
        }),
        Box::new(|| {
            let m = magpie_sync::Mutex::new(0);
            let _ = m.blocking_lock();
        }),
        Box::new(|| {
            let l = magpie_sync::RwLock::new(0);
            let _ = l.blocking_read();
        }),
    ];
    for check in checks {
        assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).is_err());
    }
    IN_RUNTIME.with(|c| c.set(false));
    // outside a runtime the same calls work
    let m = magpie_sync::Mutex::new(0);
    *m.blocking_lock() += 1;
}

#[test]
fn recv_spends_budget_and_yields() {
    install();
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    BUDGET.with(|b| b.set(Some(3)));
    let mut got = 0;
    let mut t = Task::new(async {
        loop {
            rx.recv().await;
            got += 1;
        }
    });
    t.pending();
    assert!(t.is_woken(), "budget exhaustion wakes the task to yield");
    drop(t);
    assert_eq!(got, 3);
    BUDGET.with(|b| b.set(None));
}

#[test]
fn pending_operation_spends_no_budget() {
    install();
    let (_tx, mut rx) = mpsc::channel::<u8>(1);
    BUDGET.with(|b| b.set(Some(1)));
    {
        let mut t = Task::new(rx.recv());
        t.pending();
        t.pending();
    }
    assert_eq!(BUDGET.with(Cell::get), Some(1));
    BUDGET.with(|b| b.set(None));
}

#[test]
fn send_timeout_uses_the_timer() {
    install();
    run(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send_timeout(1, Duration::ZERO).await.unwrap();
        // full: the zero-length timer fires first
        match tx.send_timeout(2, Duration::ZERO).await {
            Err(SendTimeoutError::Timeout(2)) => {}
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert_eq!(rx.recv().await, Some(1));
        drop(rx);
        match tx.send_timeout(3, Duration::from_secs(1)).await {
            Err(SendTimeoutError::Closed(3)) => {}
            other => panic!("expected closed, got {other:?}"),
        }
    });
}

#[test]
fn watch_changed_spends_budget_when_always_changed() {
    install();
    let (tx, mut rx) = magpie_sync::watch::channel(0u32);
    BUDGET.with(|b| b.set(Some(4)));
    let mut rounds = 0;
    let mut t = Task::new(async {
        loop {
            tx.send(rounds).unwrap();
            rx.changed().await.unwrap();
            rounds += 1;
        }
    });
    t.pending();
    assert!(t.is_woken(), "budget exhaustion wakes the task to yield");
    drop(t);
    assert_eq!(rounds, 4);
    BUDGET.with(|b| b.set(None));
}

#[test]
fn watch_changed_on_a_closed_channel_spends_budget() {
    install();
    let (tx, mut rx) = magpie_sync::watch::channel(());
    drop(tx);
    BUDGET.with(|b| b.set(Some(3)));
    let mut errors = 0;
    let mut t = Task::new(async {
        loop {
            assert!(rx.changed().await.is_err());
            assert!(rx.wait_for(|_| false).await.is_err());
            errors += 2;
        }
    });
    t.pending();
    drop(t);
    assert_eq!(errors, 2, "changed, wait_for, then changed is refused");
    BUDGET.with(|b| b.set(None));
}

#[test]
fn watch_sender_closed_spends_budget() {
    install();
    let (tx, rx) = magpie_sync::watch::channel(());
    drop(rx);
    BUDGET.with(|b| b.set(Some(2)));
    let mut done = 0;
    let mut t = Task::new(async {
        loop {
            tx.closed().await;
            done += 1;
        }
    });
    t.pending();
    drop(t);
    assert_eq!(done, 2);
    BUDGET.with(|b| b.set(None));
}

#[test]
fn lock_out_of_budget_keeps_its_place_in_line() {
    install();
    let m = std::sync::Arc::new(magpie_sync::Mutex::new(()));
    let g0 = m.try_lock().unwrap();
    BUDGET.with(|b| b.set(Some(0)));
    let mut a = Task::new(m.lock());
    // Out of budget, yet it queues: it must not be overtaken by a later locker.
    a.pending();
    BUDGET.with(|b| b.set(None));
    let mut b = Task::new(m.lock());
    b.pending();
    drop(g0);
    assert!(a.is_woken());
    assert!(!b.is_woken());
    drop(a.ready());
    assert!(b.is_woken());
    drop(b.ready());
}

#[test]
fn acquire_out_of_budget_leaves_free_permits_and_yields() {
    // Permits it could take at once are left for others while the task yields (holding
    // them across the yield would make everyone else queue behind it); a task that must
    // wait anyway queues at once (see the FIFO test above).
    install();
    let sem = magpie_sync::Semaphore::new(2);
    BUDGET.with(|b| b.set(Some(0)));
    let mut a = Task::new(sem.acquire_many(2));
    a.pending();
    assert!(a.is_woken(), "out of budget: asked to yield");
    assert_eq!(sem.available_permits(), 2, "free permits are not taken");
    drop(a);
    assert_eq!(sem.available_permits(), 2);

    let mut a = Task::new(sem.acquire());
    a.pending();
    BUDGET.with(|b| b.set(Some(1)));
    let permit = a.ready().unwrap();
    assert_eq!(
        BUDGET.with(Cell::get),
        Some(0),
        "completing spends one unit"
    );
    drop(permit);
    BUDGET.with(|b| b.set(None));
}

#[test]
fn queued_acquire_granted_out_of_budget_holds_the_grant_until_polled_or_dropped() {
    // As tokio: a waiter keeps what the queue granted it even when it must yield first.
    install();
    let sem = magpie_sync::Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut a = Task::new(sem.acquire());
    a.pending();
    drop(held);
    assert!(a.is_woken());
    assert_eq!(sem.available_permits(), 0, "granted to the waiter");
    BUDGET.with(|b| b.set(Some(0)));
    a.pending();
    assert_eq!(
        sem.available_permits(),
        0,
        "still the waiter's while it yields"
    );
    drop(a);
    assert_eq!(
        sem.available_permits(),
        1,
        "a dropped acquisition gives it back"
    );
    BUDGET.with(|b| b.set(None));
}

#[test]
fn acquire_on_a_closed_semaphore_fails_without_budget() {
    install();
    let sem = magpie_sync::Semaphore::new(1);
    sem.close();
    BUDGET.with(|b| b.set(Some(0)));
    let mut a = Task::new(sem.acquire());
    assert!(a.ready().is_err());
    BUDGET.with(|b| b.set(None));
}

#[test]
fn notified_spends_no_budget() {
    use futures::FutureExt;

    install();
    let notify = magpie_sync::Notify::new();
    notify.notify_one();
    BUDGET.with(|b| b.set(Some(0)));
    // As in tokio: `Notify` does not budget, so an out-of-budget task still sees the permit.
    assert!(notify.notified().now_or_never().is_some());
    BUDGET.with(|b| b.set(None));
}
