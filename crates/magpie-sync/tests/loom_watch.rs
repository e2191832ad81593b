//! loom model checks of `watch`: sends racing waits, cancellation and closing.
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Waker};

use loom::thread;
use magpie_sync::watch;

/// A send races `changed`: the receiver must wake and see the value.
#[test]
fn send_races_changed() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        loom::future::block_on(rx.changed()).unwrap();
        assert_eq!(*rx.borrow(), 1);
        drop(t.join().unwrap());
    });
}

/// A `changed` future is dropped while a send races it: the change is not consumed, so
/// the next `changed` still sees it.
#[test]
fn cancel_while_granted() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        {
            let mut changed = Box::pin(rx.changed());
            if changed
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_ready()
            {
                drop(changed);
                assert!(!rx.has_changed().unwrap());
                drop(t.join().unwrap());
                return;
            }
        }
        let tx = t.join().unwrap();
        assert!(rx.has_changed().unwrap());
        drop(tx);
    });
}

/// The sender is dropped while the receiver waits: it must wake with an error.
#[test]
fn close_wakes_receiver() {
    loom::model(|| {
        let (tx, mut rx) = watch::channel(0);
        let t = thread::spawn(move || drop(tx));
        assert!(loom::future::block_on(rx.changed()).is_err());
        t.join().unwrap();
    });
}
