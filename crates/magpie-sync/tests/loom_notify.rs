//! loom model checks of `Notify`: stored permits, hand-off, and cancellation.
#![cfg(loom)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Waker};

use loom::thread;
use magpie_sync::Notify;

/// notify_one racing the first poll: the waiter completes either way.
#[test]
fn notify_one_races_wait() {
    loom::model(|| {
        let n = Arc::new(Notify::new());
        let n2 = n.clone();
        let t = thread::spawn(move || n2.notify_one());
        loom::future::block_on(n.notified());
        t.join().unwrap();
    });
}

/// A notified waiter is dropped while the notification races in; the notification goes to
/// the other waiter or stays stored, so the other waiter completes.
#[test]
fn cancel_while_granted() {
    loom::model(|| {
        let n = Arc::new(Notify::new());
        let n2 = n.clone();
        let other = thread::spawn(move || {
            loom::future::block_on(n2.notified());
        });
        {
            let mut first = Box::pin(n.notified());
            let _ = first.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            let n3 = n.clone();
            let notifier = thread::spawn(move || n3.notify_one());
            drop(first);
            notifier.join().unwrap();
        }
        other.join().unwrap();
    });
}

/// notify_waiters reaches a future created before the call even if its first poll races.
#[test]
fn notify_waiters_reaches_created_futures() {
    loom::model(|| {
        let n = Arc::new(Notify::new());
        let n2 = n.clone();
        let fut = n.notified();
        let t = thread::spawn(move || n2.notify_waiters());
        loom::future::block_on(fut);
        t.join().unwrap();
    });
}
