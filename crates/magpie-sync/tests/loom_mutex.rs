//! loom model checks of the mutex: exclusion, and lock hand-off racing cancellation.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Waker};

use loom::thread;
use magpie_sync::Mutex;

/// Two threads increment under the lock; no update is lost.
#[test]
fn exclusion() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            loom::future::block_on(async {
                *m2.lock().await += 1;
            })
        });
        loom::future::block_on(async {
            *m.lock().await += 1;
        });
        t.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 2);
    });
}

/// A lock future is dropped while the unlock may be handing it the lock; the lock must not
/// stay held by nobody.
#[test]
fn cancel_while_granted() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(()));
        let g = m.clone().try_lock_owned().unwrap();
        let unlocker = thread::spawn(move || drop(g));
        {
            let mut lock = pin!(m.lock());
            let _ = lock.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        }
        unlocker.join().unwrap();
        assert!(m.try_lock().is_ok());
    });
}

/// A waiter in another thread must get the lock after a cancelled waiter ahead of it.
#[test]
fn cancel_hands_to_next() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0));
        let g = m.clone().try_lock_owned().unwrap();
        let mut first = Box::pin(m.clone().lock_owned());
        assert!(first
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending());
        let m2 = m.clone();
        let second = thread::spawn(move || {
            loom::future::block_on(async {
                *m2.lock().await += 1;
            })
        });
        let unlocker = thread::spawn(move || drop(g));
        drop(first);
        unlocker.join().unwrap();
        second.join().unwrap();
        assert!(matches!(m.try_lock().map(|g| *g), Ok(1)));
    });
}
