//! Behaviour tests for `broadcast`.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;

use common::{run, Task};
use magpie_sync::broadcast::{
    self,
    error::{RecvError, SendError, TryRecvError},
};

#[test]
fn every_receiver_sees_every_value() {
    run(async {
        let (tx, mut rx1) = broadcast::channel(4);
        let mut rx2 = tx.subscribe();
        assert_eq!(tx.send(1).unwrap(), 2);
        tx.send(2).unwrap();
        assert_eq!(rx1.recv().await, Ok(1));
        assert_eq!(rx1.recv().await, Ok(2));
        assert_eq!(rx2.recv().await, Ok(1));
        assert_eq!(rx2.recv().await, Ok(2));
        assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn waiting_receiver_is_woken() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    let mut t = Task::new(async move {
        let mut rx = rx;
        rx.recv().await
    });
    t.pending();
    tx.send(7).unwrap();
    assert!(t.is_woken());
    assert_eq!(t.ready(), Ok(7));
}

#[test]
fn lagging_receiver() {
    run(async {
        let (tx, mut rx) = broadcast::channel(2);
        for i in 0..5 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.len(), 5);
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(3)));
        assert_eq!(rx.recv().await, Ok(3));
        assert_eq!(rx.recv().await, Ok(4));
        for i in 5..8 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
        assert_eq!(rx.try_recv(), Ok(6));
    });
}

#[test]
fn capacity_rounds_to_power_of_two() {
    let (tx, mut rx) = broadcast::channel(3); // 4 slots
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(0), "no lag with 4 values in a ring of 4");
    tx.send(4).unwrap();
    tx.send(5).unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn zero_capacity_panics() {
    let _ = broadcast::channel::<u8>(0);
}

#[test]
fn closed_after_senders_drop() {
    run(async {
        let (tx, mut rx) = broadcast::channel(2);
        let tx2 = tx.clone();
        tx.send(1).unwrap();
        drop(tx);
        assert_eq!(rx.sender_strong_count(), 1);
        drop(tx2);
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    });
}

#[test]
fn close_wakes_waiting_receiver() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    let mut t = Task::new(async move {
        let mut rx = rx;
        rx.recv().await
    });
    t.pending();
    drop(tx);
    assert!(t.is_woken());
    assert_eq!(t.ready(), Err(RecvError::Closed));
}

#[test]
fn send_without_receivers_fails() {
    let (tx, rx) = broadcast::channel(2);
    drop(rx);
    let SendError(v) = tx.send(3).unwrap_err();
    assert_eq!(v, 3);
    assert_eq!(tx.receiver_count(), 0);
    let tx = broadcast::Sender::<u8>::new(4);
    assert!(tx.send(1).is_err());
    let mut rx = tx.subscribe();
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn subscribe_and_resubscribe_start_at_tail() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut late = tx.subscribe();
    let mut re = rx.resubscribe();
    assert!(late.is_empty());
    assert!(re.same_channel(&rx));
    tx.send(2).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(late.try_recv(), Ok(2));
    assert_eq!(re.try_recv(), Ok(2));
    assert_eq!(tx.receiver_count(), 3);
}

#[test]
fn values_dropped_once_read_by_all() {
    let v = Arc::new(());
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    tx.send(v.clone()).unwrap();
    assert_eq!(tx.len(), 1);
    rx1.try_recv().unwrap();
    assert_eq!(Arc::strong_count(&v), 2, "the slot keeps it for rx2");
    rx2.try_recv().unwrap();
    assert_eq!(Arc::strong_count(&v), 1);
    assert!(tx.is_empty());
    tx.send(v.clone()).unwrap();
    drop(rx1);
    drop(rx2);
    assert_eq!(
        Arc::strong_count(&v),
        1,
        "dropping receivers releases unread values"
    );
}

#[test]
fn sender_closed_future() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    let tx2 = tx.clone();
    assert!(tx.same_channel(&tx2));
    let mut t = Task::new(async move { tx2.closed().await });
    t.pending();
    drop(rx);
    assert!(t.is_woken());
    t.ready();
}

#[test]
fn cancelled_recv_loses_nothing() {
    let (tx, mut rx) = broadcast::channel(4);
    {
        let mut t = Task::new(rx.recv());
        t.pending();
        tx.send(1).unwrap();
        assert!(t.is_woken());
    } // dropped without observing
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn errors_display() {
    assert_eq!(RecvError::Closed.to_string(), "channel closed");
    assert_eq!(RecvError::Lagged(3).to_string(), "channel lagged by 3");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(SendError(1).to_string(), "channel closed");
}

#[test]
fn threads_fan_out() {
    let (tx, _) = broadcast::channel(1024);
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let mut rx = tx.subscribe();
            std::thread::spawn(move || {
                let mut sum = 0u64;
                loop {
                    match rx.blocking_recv() {
                        Ok(v) => sum += v,
                        Err(RecvError::Closed) => return sum,
                        Err(RecvError::Lagged(n)) => panic!("lagged by {n}"),
                    }
                }
            })
        })
        .collect();
    for i in 0..1000u64 {
        tx.send(i).unwrap();
    }
    drop(tx);
    for h in hs {
        assert_eq!(h.join().unwrap(), 999 * 1000 / 2);
    }
}

#[test]
fn weak_senders() {
    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let weak = tx.downgrade();
    assert_eq!(tx.weak_count(), 1);
    assert_eq!(weak.strong_count(), 1);
    let weak2 = weak.clone();
    let tx2 = weak.upgrade().unwrap();
    assert_eq!(tx.strong_count(), 2);
    tx2.send(1).unwrap();
    drop(tx2);
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert_eq!(weak2.weak_count(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn receiver_is_closed_and_counts() {
    let (tx, rx) = broadcast::channel::<u8>(2);
    let weak = tx.downgrade();
    assert_eq!(rx.sender_weak_count(), 1);
    assert!(!rx.is_closed());
    drop(tx);
    assert!(rx.is_closed());
    drop(weak);
}
