//! loom model checks of `RwLock`: exclusion, and grants racing cancellation.
#![cfg(loom)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Waker};

use loom::thread;
use magpie_sync::RwLock;

/// A writer and a reader race; the reader sees a consistent value.
#[test]
fn read_write_exclusion() {
    loom::model(|| {
        let l = Arc::new(RwLock::new((0, 0)));
        let l2 = l.clone();
        let t = thread::spawn(move || {
            loom::future::block_on(async {
                let mut w = l2.write().await;
                w.0 += 1;
                w.1 += 1;
            })
        });
        loom::future::block_on(async {
            let r = l.read().await;
            assert_eq!(r.0, r.1);
        });
        t.join().unwrap();
        assert_eq!(l.try_read().unwrap().0, 1);
    });
}

/// A writer waiting behind a reader is cancelled while the reader releases.
#[test]
fn cancel_while_granted() {
    loom::model(|| {
        let l = Arc::new(RwLock::new(0));
        let r = l.clone().try_read_owned().unwrap();
        let t = thread::spawn(move || drop(r));
        {
            let mut w = Box::pin(l.write());
            let _ = w.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        }
        t.join().unwrap();
        assert!(l.try_write().is_ok());
    });
}

/// Downgrade races a waiting reader in another thread.
#[test]
fn downgrade_wakes_reader() {
    loom::model(|| {
        let l = Arc::new(RwLock::new(1));
        let w = l.clone().try_write_owned().unwrap();
        let l2 = l.clone();
        let t = thread::spawn(move || loom::future::block_on(async { *l2.read().await }));
        let r = magpie_sync::OwnedRwLockWriteGuard::downgrade(w);
        assert_eq!(t.join().unwrap(), 1);
        drop(r);
    });
}
