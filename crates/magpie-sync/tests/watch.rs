//! Behaviour tests for `watch`.
#![cfg(not(loom))]

mod common;

use common::{run, Task};
use magpie_sync::watch::{self, error::RecvError};

#[test]
fn send_changed_borrow() {
    run(async {
        let (tx, mut rx) = watch::channel(1);
        assert!(!rx.has_changed().unwrap());
        assert!(!rx.borrow().has_changed());
        tx.send(2).unwrap();
        assert!(rx.has_changed().unwrap());
        assert!(rx.borrow().has_changed());
        assert_eq!(*rx.borrow(), 2);
        rx.changed().await.unwrap();
        assert!(!rx.has_changed().unwrap());
        let r = rx.borrow_and_update();
        assert!(!r.has_changed());
        drop(r);
        tx.send(3).unwrap();
        let r = rx.borrow_and_update();
        assert!(r.has_changed());
        assert_eq!(*r, 3);
        drop(r);
        assert!(!rx.has_changed().unwrap());
    });
}

#[test]
fn changed_waits_and_is_woken() {
    let (tx, rx) = watch::channel(0);
    let mut t = Task::new(async move {
        let mut rx = rx;
        rx.changed().await.unwrap();
        let v = *rx.borrow();
        v
    });
    t.pending();
    tx.send(5).unwrap();
    assert!(t.is_woken());
    assert_eq!(t.ready(), 5);
}

#[test]
fn sender_drop_closes() {
    run(async {
        let (tx, mut rx) = watch::channel(0);
        tx.send(1).unwrap();
        drop(tx);
        // the unseen value comes first
        assert!(rx.changed().await.is_ok());
        let err: RecvError = rx.changed().await.unwrap_err();
        assert_eq!(err.to_string(), "channel closed");
        assert!(rx.has_changed().is_err());
        assert_eq!(*rx.borrow(), 1);
    });
}

#[test]
fn send_without_receivers() {
    let (tx, rx) = watch::channel(0);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(1).unwrap_err().0, 1);
    assert_eq!(*tx.borrow(), 0, "a failed send does not store the value");
    assert_eq!(tx.send_replace(2), 0);
    tx.send_modify(|v| *v += 1);
    assert_eq!(*tx.borrow(), 3);
    let rx = tx.subscribe();
    assert!(!rx.has_changed().unwrap());
    assert_eq!(*rx.borrow(), 3);
    assert_eq!(tx.receiver_count(), 1);
}

#[test]
fn send_if_modified() {
    let (tx, rx) = watch::channel(0);
    assert!(!tx.send_if_modified(|_| false));
    assert!(!rx.has_changed().unwrap());
    assert!(tx.send_if_modified(|v| {
        *v = 9;
        true
    }));
    assert!(rx.has_changed().unwrap());
}

#[test]
fn mark_changed_and_unchanged() {
    run(async {
        let (tx, mut rx) = watch::channel(0);
        rx.mark_changed();
        assert!(rx.has_changed().unwrap());
        rx.changed().await.unwrap();
        tx.send(1).unwrap();
        rx.mark_unchanged();
        assert!(!rx.has_changed().unwrap());
    });
}

#[test]
fn wait_for() {
    let (tx, rx) = watch::channel(0);
    let mut t = Task::new(async move {
        let mut rx = rx;
        let v = *rx.wait_for(|v| *v >= 3).await.unwrap();
        (v, rx)
    });
    t.pending();
    tx.send(1).unwrap();
    t.pending();
    tx.send(3).unwrap();
    let (v, mut rx) = t.ready();
    assert_eq!(v, 3);
    assert!(!rx.has_changed().unwrap());
    run(async {
        // already satisfied: returns at once
        assert_eq!(*rx.wait_for(|v| *v == 3).await.unwrap(), 3);
        drop(tx);
        assert!(rx.wait_for(|v| *v == 4).await.is_err());
    });
}

#[test]
fn clone_and_subscribe() {
    let (tx, rx) = watch::channel(0);
    tx.send(1).unwrap();
    let rx2 = rx.clone();
    assert!(rx2.has_changed().unwrap(), "a clone keeps the seen version");
    let rx3 = tx.subscribe();
    assert!(!rx3.has_changed().unwrap());
    assert!(rx.same_channel(&rx3));
    assert_eq!(tx.receiver_count(), 3);
    let tx2 = tx.clone();
    assert_eq!(tx.sender_count(), 2);
    assert!(tx.same_channel(&tx2));
    drop(tx);
    assert!(rx.has_changed().unwrap());
    drop(tx2);
    assert!(rx.has_changed().is_err());
}

#[test]
fn sender_closed_future() {
    let (tx, rx) = watch::channel(0);
    let rx2 = rx.clone();
    let mut t = Task::new(async move { tx.closed().await });
    t.pending();
    drop(rx);
    assert!(t.poll().is_pending());
    drop(rx2);
    assert!(t.is_woken());
    t.ready();
}

#[test]
fn new_sender_has_no_receivers() {
    let tx = watch::Sender::new(5);
    assert!(tx.is_closed());
    assert!(tx.send(1).is_err());
    let rx = tx.subscribe();
    tx.send(6).unwrap();
    assert_eq!(*rx.borrow(), 6);
    assert_eq!(format!("{:?}", tx), "Sender { value: 6 }");
}

#[test]
fn threads_see_latest() {
    let (tx, mut rx) = watch::channel(0u32);
    let h = std::thread::spawn(move || {
        for i in 1..=1000 {
            tx.send(i).unwrap();
        }
    });
    run(async {
        let mut last = 0;
        while rx.changed().await.is_ok() {
            let v = *rx.borrow_and_update();
            assert!(v > last);
            last = v;
        }
        assert_eq!(last, 1000);
    });
    h.join().unwrap();
}

#[test]
fn receiver_is_closed() {
    let (tx, rx) = watch::channel(0);
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
}
