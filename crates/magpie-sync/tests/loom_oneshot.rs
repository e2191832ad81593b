//! loom model checks of `oneshot`: send racing receive, drop and close.
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Waker};

use loom::thread;
use magpie_sync::oneshot;

#[test]
fn send_races_recv() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel();
        let t = thread::spawn(move || tx.send(1).unwrap());
        assert_eq!(loom::future::block_on(rx), Ok(1));
        t.join().unwrap();
    });
}

#[test]
fn drop_sender_races_recv() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel::<u8>();
        let t = thread::spawn(move || drop(tx));
        assert!(loom::future::block_on(rx).is_err());
        t.join().unwrap();
    });
}

/// The receiver is dropped (cancelled) while the value is being sent: the value is either
/// given back to the sender or dropped with the channel, never leaked.
#[test]
fn cancel_while_granted() {
    loom::model(|| {
        let value = std::sync::Arc::new(());
        let (tx, rx) = oneshot::channel();
        let v2 = value.clone();
        let t = thread::spawn(move || {
            let _ = tx.send(v2);
        });
        let mut rx = Box::pin(rx);
        let _ = rx.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        drop(rx);
        t.join().unwrap();
        assert_eq!(std::sync::Arc::strong_count(&value), 1);
    });
}

/// The receiver re-registers a different waker while the value arrives.
#[test]
fn repoll_with_new_waker() {
    loom::model(|| {
        let (tx, rx) = oneshot::channel();
        let t = thread::spawn(move || tx.send(7).unwrap());
        let mut rx = Box::pin(rx);
        let first = rx.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        let out = match first {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => loom::future::block_on(rx),
        };
        assert_eq!(out, Ok(7));
        t.join().unwrap();
    });
}

#[test]
fn closed_races_close() {
    loom::model(|| {
        let (mut tx, mut rx) = oneshot::channel::<u8>();
        let t = thread::spawn(move || rx.close());
        loom::future::block_on(tx.closed());
        assert!(tx.is_closed());
        t.join().unwrap();
    });
}
