//! loom model checks of `mpsc`: hand-off of slots and values, cancellation, and closing.
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Waker};

use loom::thread;
use magpie_sync::mpsc;

/// Two values through a one-slot channel: the sender waits for the slot each time.
#[test]
fn bounded_send_recv() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let t = thread::spawn(move || {
            loom::future::block_on(async {
                tx.send(1).await.unwrap();
                tx.send(2).await.unwrap();
            })
        });
        loom::future::block_on(async {
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, Some(2));
            assert_eq!(rx.recv().await, None);
        });
        t.join().unwrap();
    });
}

/// A sender waiting for a slot is cancelled while the receiver frees it: the slot must
/// come back (the capacity is whole again).
#[test]
fn cancel_while_granted() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let t = thread::spawn(move || {
            assert_eq!(rx.try_recv(), Ok(1));
            rx
        });
        {
            let mut reserve = Box::pin(tx.reserve());
            let _ = reserve
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
        }
        let rx = t.join().unwrap();
        assert_eq!(tx.capacity(), 1);
        drop(rx);
    });
}

/// A receive future is dropped while a value arrives: the value stays in the channel.
#[test]
fn recv_cancel_keeps_value() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let t = thread::spawn(move || tx.send(5).unwrap());
        {
            let mut recv = Box::pin(rx.recv());
            if let std::task::Poll::Ready(v) =
                recv.as_mut().poll(&mut Context::from_waker(Waker::noop()))
            {
                assert_eq!(v, Some(5));
                t.join().unwrap();
                return;
            }
        }
        t.join().unwrap();
        assert_eq!(rx.try_recv(), Ok(5));
    });
}

/// The last sender is dropped while the receiver goes to sleep: it must wake and see None.
#[test]
fn last_sender_drop_wakes() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let tx2 = tx.clone();
        let t1 = thread::spawn(move || drop(tx));
        let t2 = thread::spawn(move || drop(tx2));
        assert_eq!(loom::future::block_on(rx.recv()), None);
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

/// The receiver closes while a reserved slot is released: recv must end with None.
#[test]
fn close_with_outstanding_permit() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let permit = tx.try_reserve_owned().unwrap();
        // The sender lives on (returned by `release`), so only the permit can end `recv`.
        let t = thread::spawn(move || permit.release());
        rx.close();
        assert_eq!(loom::future::block_on(rx.recv()), None);
        let tx = t.join().unwrap();
        assert!(tx.is_closed());
    });
}

/// A closed receiver waits for every reserved slot to come back: a slot handed to a
/// reservation that is then dropped (or fails) must wake it, however the release, the
/// reservation and the close interleave.
#[test]
fn close_with_cancelled_reservation() {
    loom::model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let held = tx.clone().try_reserve_owned().unwrap();
        let releaser = thread::spawn(move || drop(held));
        let tx2 = tx.clone();
        let reserver = thread::spawn(move || {
            let mut reserve = Box::pin(tx2.reserve());
            let mut cx = Context::from_waker(Waker::noop());
            // Pending, granted or failed: whichever, dropping it must hand the slot back.
            let _ = reserve.as_mut().poll(&mut cx);
        });
        rx.close();
        // `tx` lives on, so only the slots coming back can end `recv`.
        assert_eq!(loom::future::block_on(rx.recv()), None);
        releaser.join().unwrap();
        reserver.join().unwrap();
        assert_eq!(tx.capacity(), 1);
    });
}
