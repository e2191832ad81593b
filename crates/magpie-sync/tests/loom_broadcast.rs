//! loom model checks of `broadcast`: sends racing waits, cancellation and closing.
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Waker};

use loom::thread;
use magpie_sync::broadcast::{self, error::RecvError};

/// Two receivers on two threads both get the value sent concurrently.
#[test]
fn send_races_recv() {
    loom::model(|| {
        let (tx, mut rx1) = broadcast::channel(2);
        let mut rx2 = tx.subscribe();
        let t = thread::spawn(move || loom::future::block_on(rx2.recv()));
        tx.send(1).unwrap();
        assert_eq!(loom::future::block_on(rx1.recv()), Ok(1));
        assert_eq!(t.join().unwrap(), Ok(1));
    });
}

/// A receive future is dropped while a value arrives: the value stays for the receiver.
#[test]
fn cancel_while_granted() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let t = thread::spawn(move || {
            tx.send(5).unwrap();
            tx
        });
        {
            let mut recv = Box::pin(rx.recv());
            if let std::task::Poll::Ready(v) =
                recv.as_mut().poll(&mut Context::from_waker(Waker::noop()))
            {
                assert_eq!(v, Ok(5));
                drop(recv);
                drop(t.join().unwrap());
                return;
            }
        }
        let tx = t.join().unwrap();
        assert_eq!(rx.try_recv(), Ok(5));
        drop(tx);
    });
}

/// The last sender drops while the receiver waits.
#[test]
fn close_wakes_receiver() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel::<u8>(2);
        let t = thread::spawn(move || drop(tx));
        assert_eq!(loom::future::block_on(rx.recv()), Err(RecvError::Closed));
        t.join().unwrap();
    });
}
