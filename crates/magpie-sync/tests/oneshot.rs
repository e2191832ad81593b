//! Behaviour tests for `oneshot`.
#![cfg(not(loom))]

mod common;

use common::{run, Task};
use magpie_sync::oneshot::{self, error::RecvError, error::TryRecvError};

#[test]
fn send_then_recv() {
    run(async {
        let (tx, rx) = oneshot::channel();
        assert!(!tx.is_closed());
        tx.send(5).unwrap();
        assert_eq!(rx.await, Ok(5));
    });
}

#[test]
fn recv_waits_then_is_woken() {
    let (tx, rx) = oneshot::channel::<u8>();
    let mut t = Task::new(rx);
    t.pending();
    tx.send(1).unwrap();
    assert!(t.is_woken());
    assert_eq!(t.ready(), Ok(1));
}

#[test]
fn sender_dropped_gives_recv_error() {
    let (tx, rx) = oneshot::channel::<u8>();
    let mut t = Task::new(rx);
    t.pending();
    drop(tx);
    assert!(t.is_woken());
    let err: RecvError = t.ready().unwrap_err();
    assert_eq!(err.to_string(), "channel closed");
}

#[test]
fn send_to_dropped_receiver_returns_value() {
    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(String::from("x")), Err(String::from("x")));
}

#[test]
fn try_recv_states() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
    tx.send(3).unwrap();
    assert!(!rx.is_empty());
    assert!(!rx.is_terminated());
    assert_eq!(rx.try_recv(), Ok(3));
    assert!(rx.is_terminated());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
}

#[test]
fn close_receiver() {
    let (mut tx, mut rx) = oneshot::channel::<u8>();
    let mut closed = Task::new(async move {
        tx.closed().await;
        tx
    });
    closed.pending();
    rx.close();
    assert!(closed.is_woken());
    let tx = closed.ready();
    assert!(tx.is_closed());
    assert_eq!(tx.send(1), Err(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn value_sent_before_close_still_received() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(9).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(9));
}

#[test]
fn poll_closed_on_receiver_drop() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(tx.poll_closed(&mut cx).is_pending());
    drop(rx);
    assert!(tx.poll_closed(&mut cx).is_ready());
}

#[test]
#[should_panic(expected = "called after complete")]
fn poll_after_complete_panics() {
    let (tx, rx) = oneshot::channel();
    tx.send(1).unwrap();
    let mut t = Task::new(rx);
    assert_eq!(t.ready(), Ok(1));
    let _ = t.poll(); // the same Receiver again
}

#[test]
fn blocking_recv_from_thread() {
    let (tx, rx) = oneshot::channel();
    let h = std::thread::spawn(move || rx.blocking_recv());
    tx.send(4u8).unwrap();
    assert_eq!(h.join().unwrap(), Ok(4));
}

#[test]
fn drops_unreceived_value() {
    let value = std::sync::Arc::new(());
    let (tx, rx) = oneshot::channel();
    tx.send(value.clone()).unwrap();
    drop(rx);
    assert_eq!(std::sync::Arc::strong_count(&value), 1);
}

#[test]
fn cross_thread_many() {
    for i in 0..1000 {
        let (tx, rx) = oneshot::channel();
        let h = std::thread::spawn(move || tx.send(i).unwrap());
        assert_eq!(run(rx), Ok(i));
        h.join().unwrap();
    }
}
