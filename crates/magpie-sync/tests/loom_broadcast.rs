//! loom model checks of `broadcast`: the per-slot locks receivers read under, the tail lock
//! senders and waiting receivers take, the `rem` count that decides who drops a value, and
//! the waiter flag a woken receiver reads without the tail lock.
#![cfg(loom)]

use std::future::Future;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Waker};

use loom::thread;
use magpie_sync::broadcast::{
    self,
    error::{RecvError, TryRecvError},
};

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

/// `try_recv` on the slot a send is writing sees either nothing yet or the whole value.
#[test]
fn try_recv_races_send_on_same_slot() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(1);
        let t = thread::spawn(move || {
            tx.send(7).unwrap();
            tx
        });
        let first = rx.try_recv();
        let tx = t.join().unwrap();
        match first {
            Ok(v) => assert_eq!(v, 7),
            Err(TryRecvError::Empty) => assert_eq!(rx.try_recv(), Ok(7)),
            Err(e) => panic!("unexpected {e:?}"),
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
    });
}

/// Two receivers read the same slot at once: one clones, the last moves the value out, and
/// the channel keeps no copy afterwards.
#[test]
fn concurrent_readers_of_one_slot_drop_value_once() {
    loom::model(|| {
        let v = StdArc::new(5);
        let (tx, mut rx1) = broadcast::channel(2);
        let mut rx2 = tx.subscribe();
        tx.send(v.clone()).unwrap();
        let t = thread::spawn(move || rx2.try_recv().unwrap());
        let a = rx1.try_recv().unwrap();
        let b = t.join().unwrap();
        assert_eq!((*a, *b), (5, 5));
        drop((a, b));
        assert_eq!(StdArc::strong_count(&v), 1, "the slot kept a copy");
        assert!(tx.is_empty());
    });
}

/// A one-slot ring: the sender overwrites the slot a lagging receiver is about to read.
/// The receiver gets the old value or learns it lagged, then the new value; every value is
/// dropped by the time the channel is gone.
#[test]
fn overwrite_races_lagging_reader() {
    loom::model(|| {
        let one = StdArc::new(1);
        let two = StdArc::new(2);
        let (tx, mut rx) = broadcast::channel(1);
        tx.send(one.clone()).unwrap();
        let two2 = two.clone();
        let t = thread::spawn(move || {
            tx.send(two2).unwrap();
            tx
        });
        match rx.try_recv() {
            Ok(v) => {
                assert_eq!(*v, 1);
                drop(v);
                let tx = t.join().unwrap();
                assert_eq!(*rx.try_recv().unwrap(), 2);
                drop(tx);
            }
            Err(TryRecvError::Lagged(1)) => {
                let tx = t.join().unwrap();
                assert_eq!(*rx.try_recv().unwrap(), 2);
                drop(tx);
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
        assert_eq!(StdArc::strong_count(&one), 1);
        assert_eq!(StdArc::strong_count(&two), 1);
        drop(rx);
    });
}

/// Two receivers read a one-slot ring on two threads while the sender overwrites it: each
/// gets the old value or a lag of one, then the new value, and each value is dropped once,
/// by whichever of the readers or the overwrite comes last.
#[test]
fn overwrite_races_two_readers() {
    loom::model(|| {
        let one = StdArc::new(1);
        let two = StdArc::new(2);
        let (tx, rx1) = broadcast::channel(1);
        let rx2 = tx.subscribe();
        tx.send(one.clone()).unwrap();
        let reader = |mut rx: broadcast::Receiver<StdArc<i32>>| {
            thread::spawn(move || {
                match rx.try_recv() {
                    Ok(v) => assert_eq!(*v, 1),
                    Err(TryRecvError::Lagged(1)) => {}
                    Err(e) => panic!("unexpected {e:?}"),
                }
                rx
            })
        };
        let (t1, t2) = (reader(rx1), reader(rx2));
        tx.send(two.clone()).unwrap();
        let (mut rx1, mut rx2) = (t1.join().unwrap(), t2.join().unwrap());
        assert_eq!(
            StdArc::strong_count(&one),
            1,
            "the first value was not dropped once"
        );
        let rest = |rx: &mut broadcast::Receiver<StdArc<i32>>| loop {
            match rx.try_recv() {
                Ok(v) => break *v,
                Err(TryRecvError::Lagged(1)) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        };
        assert_eq!(rest(&mut rx1), 2);
        assert_eq!(rest(&mut rx2), 2);
        assert_eq!(
            StdArc::strong_count(&two),
            1,
            "the second value stayed in the ring"
        );
    });
}

/// One receiver drops while the other reads the same value: between the read and the
/// release of the dropped receiver's share, exactly one of them drops the value.
#[test]
fn receiver_drop_races_other_reader() {
    loom::model(|| {
        let v = StdArc::new(4);
        let (tx, mut rx1) = broadcast::channel(2);
        let rx2 = tx.subscribe();
        tx.send(v.clone()).unwrap();
        let t = thread::spawn(move || drop(rx2));
        let got = rx1.try_recv().unwrap();
        t.join().unwrap();
        drop(got);
        assert_eq!(StdArc::strong_count(&v), 1);
        assert!(tx.is_empty());
    });
}

/// A receiver drops while a value is sent: whether or not the send counted it, the value
/// is dropped once the other receiver has read it, and no earlier value stays behind.
#[test]
fn receiver_drop_races_send() {
    loom::model(|| {
        let a = StdArc::new(1);
        let b = StdArc::new(2);
        let (tx, mut rx1) = broadcast::channel(4);
        let rx2 = tx.subscribe();
        tx.send(a.clone()).unwrap();
        let t = thread::spawn(move || drop(rx2));
        let n = tx.send(b.clone()).unwrap();
        assert!(n == 1 || n == 2);
        assert_eq!(*rx1.try_recv().unwrap(), 1);
        assert_eq!(*rx1.try_recv().unwrap(), 2);
        t.join().unwrap();
        assert_eq!(
            StdArc::strong_count(&a),
            1,
            "the first value stayed in the ring"
        );
        assert_eq!(
            StdArc::strong_count(&b),
            1,
            "the second value stayed in the ring"
        );
        assert_eq!(tx.receiver_count(), 1);
    });
}

/// A receiver registers its waiter while the value is sent: it is either found at once or
/// woken (loom reports a lost wake-up as a deadlock).
#[test]
fn waiter_registration_races_send() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let t = thread::spawn(move || {
            tx.send(3).unwrap();
            tx
        });
        assert_eq!(loom::future::block_on(rx.recv()), Ok(3));
        drop(t.join().unwrap());
    });
}

/// A woken receiver is polled again (the sender cleared its waiter flag without the
/// receiver's lock) while a second value is sent; it gets both values in order.
#[test]
fn woken_receiver_races_next_send() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        assert_eq!(loom::future::block_on(rx.recv()), Ok(1));
        assert_eq!(loom::future::block_on(rx.recv()), Ok(2));
        t.join().unwrap();
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
            if let Poll::Ready(v) = recv.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
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

/// A value is sent and the last sender drops while the receiver reads: the value comes
/// first, then `Closed`, never `Closed` with the value still unread.
#[test]
fn close_races_recv() {
    loom::model(|| {
        let (tx, mut rx) = broadcast::channel(2);
        let t = thread::spawn(move || {
            tx.send(9).unwrap();
            drop(tx);
        });
        assert_eq!(loom::future::block_on(rx.recv()), Ok(9));
        assert_eq!(loom::future::block_on(rx.recv()), Err(RecvError::Closed));
        t.join().unwrap();
    });
}
