//! Behaviour tests for `mpsc`.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;

use common::{run, Task, XorShift};
use magpie_sync::mpsc::{
    self,
    error::{SendError, SendTimeoutError, TryRecvError, TrySendError},
};

#[test]
fn bounded_send_recv_in_order() {
    run(async {
        let (tx, mut rx) = mpsc::channel(4);
        for i in 0..4 {
            tx.send(i).await.unwrap();
        }
        assert_eq!(rx.len(), 4);
        assert_eq!(tx.capacity(), 0);
        assert_eq!(tx.max_capacity(), 4);
        assert_eq!(rx.max_capacity(), 4);
        for i in 0..4 {
            assert_eq!(rx.recv().await, Some(i));
        }
        assert!(rx.is_empty());
        assert_eq!(rx.capacity(), 4);
        drop(tx);
        assert_eq!(rx.recv().await, None);
        assert!(rx.is_closed());
    });
}

#[test]
fn full_channel_makes_sender_wait() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    let tx2 = tx.clone();
    let mut send = Task::new(async move { tx2.send(2).await });
    send.pending();
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(send.is_woken());
    send.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
    drop(send);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn receiver_waits_and_is_woken() {
    let (tx, rx) = mpsc::unbounded_channel::<u8>();
    let mut recv = Task::new(async move {
        let mut rx = rx;
        rx.recv().await
    });
    recv.pending();
    tx.send(3).unwrap();
    assert!(recv.is_woken());
    assert_eq!(recv.ready(), Some(3));
}

#[test]
fn last_sender_drop_wakes_receiver() {
    let (tx, rx) = mpsc::channel::<u8>(2);
    let tx2 = tx.clone();
    let mut recv = Task::new(async move {
        let mut rx = rx;
        rx.recv().await
    });
    recv.pending();
    drop(tx);
    assert!(!recv.is_woken());
    drop(tx2);
    assert!(recv.is_woken());
    assert_eq!(recv.ready(), None);
}

#[test]
fn send_to_dropped_receiver_fails() {
    run(async {
        let (tx, rx) = mpsc::channel(2);
        drop(rx);
        assert!(tx.is_closed());
        let SendError(v) = tx.send(5).await.unwrap_err();
        assert_eq!(v, 5);
        assert!(matches!(tx.try_send(6), Err(TrySendError::Closed(6))));
        assert!(tx.reserve().await.is_err());
        let (utx, urx) = mpsc::unbounded_channel();
        drop(urx);
        assert_eq!(utx.send(1).unwrap_err().0, 1);
        assert!(utx.is_closed());
    });
}

#[test]
fn dropping_receiver_drops_queued_values() {
    let v = Arc::new(());
    let (tx, rx) = mpsc::channel(4);
    tx.try_send(v.clone()).unwrap();
    tx.try_send(v.clone()).unwrap();
    drop(rx);
    assert_eq!(Arc::strong_count(&v), 1);
    let (utx, urx) = mpsc::unbounded_channel();
    utx.send(v.clone()).unwrap();
    drop(urx);
    assert_eq!(Arc::strong_count(&v), 1);
}

#[test]
fn close_keeps_queued_values() {
    run(async {
        let (tx, mut rx) = mpsc::channel(4);
        tx.send(1).await.unwrap();
        let permit = tx.reserve().await.unwrap();
        rx.close();
        assert!(rx.is_closed());
        assert!(tx.is_closed());
        assert!(tx.send(2).await.is_err());
        permit.send(3); // a slot reserved before the close still delivers
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(3));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn close_waits_for_outstanding_permit() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let mut recv = Task::new(async move { rx.recv().await });
    recv.pending();
    drop(permit);
    assert!(recv.is_woken());
    assert_eq!(recv.ready(), None);
}

#[test]
fn permits() {
    run(async {
        let (tx, mut rx) = mpsc::channel(2);
        let p1 = tx.reserve().await.unwrap();
        let p2 = tx.try_reserve().unwrap();
        assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
        assert_eq!(tx.capacity(), 0);
        p2.send(2);
        drop(p1);
        assert_eq!(tx.capacity(), 1);
        assert_eq!(rx.recv().await, Some(2));
        let owned = tx.clone().reserve_owned().await.unwrap();
        assert_eq!(owned.max_capacity(), 2);
        let tx3 = owned.send(7);
        assert!(tx3.same_channel(&tx));
        let owned = tx3.try_reserve_owned().unwrap();
        let tx4 = owned.release();
        assert_eq!(tx4.capacity(), 1);
        assert_eq!(rx.recv().await, Some(7));
        let it = tx.reserve_many(2).await.unwrap();
        assert_eq!(it.len(), 2);
        for (i, p) in it.enumerate() {
            p.send(10 + i);
        }
        assert!(tx.try_reserve_many(1).is_err());
        assert_eq!(rx.recv().await, Some(10));
        assert_eq!(rx.recv().await, Some(11));
        assert!(tx.reserve_many(3).await.is_err(), "more than the capacity");
        let it = tx.try_reserve_many(2).unwrap();
        drop(it);
        assert_eq!(tx.capacity(), 2);
    });
}

#[test]
fn try_reserve_owned_gives_sender_back() {
    let (tx, _rx) = mpsc::channel::<u8>(1);
    let _p = tx.try_reserve().unwrap();
    let tx2 = tx.clone();
    match tx2.try_reserve_owned() {
        Err(TrySendError::Full(tx2)) => assert!(tx2.same_channel(&tx)),
        _ => panic!("expected Full"),
    }
}

#[test]
fn recv_many_batches() {
    run(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 0).await, 0);
        assert_eq!(rx.recv_many(&mut buf, 4).await, 4);
        assert_eq!(rx.recv_many(&mut buf, 100).await, 6);
        assert_eq!(buf, (0..10).collect::<Vec<_>>());
        drop(tx);
        assert_eq!(rx.recv_many(&mut buf, 4).await, 0);

        let (tx, mut rx) = mpsc::channel(3);
        for i in 0..3 {
            tx.send(i).await.unwrap();
        }
        let mut buf = Vec::new();
        assert_eq!(rx.recv_many(&mut buf, 2).await, 2);
        assert_eq!(tx.capacity(), 2);
    });
}

#[test]
fn poll_recv_and_poll_recv_many() {
    let (tx, mut rx) = mpsc::channel(3);
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert_eq!(rx.poll_recv(&mut cx), std::task::Poll::Ready(Some(1)));
    let mut buf = Vec::new();
    assert_eq!(
        rx.poll_recv_many(&mut cx, &mut buf, 5),
        std::task::Poll::Ready(1)
    );
    let (utx, mut urx) = mpsc::unbounded_channel::<u8>();
    assert!(urx.poll_recv(&mut cx).is_pending());
    drop(utx);
    assert_eq!(urx.poll_recv(&mut cx), std::task::Poll::Ready(None));
    assert_eq!(
        urx.poll_recv_many(&mut cx, &mut Vec::new(), 1),
        std::task::Poll::Ready(0)
    );
}

#[test]
fn sender_closed_future() {
    let (tx, rx) = mpsc::channel::<u8>(1);
    let mut closed = Task::new(async move { tx.closed().await });
    closed.pending();
    drop(rx);
    assert!(closed.is_woken());
    closed.ready();
    let (utx, mut urx) = mpsc::unbounded_channel::<u8>();
    let mut closed = Task::new(async move { utx.closed().await });
    closed.pending();
    urx.close();
    closed.ready();
}

#[test]
fn weak_senders() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    assert_eq!(tx.strong_count(), 1);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!(tx.weak_count(), 2);
    assert_eq!(rx.sender_weak_count(), 2);
    let tx2 = weak.upgrade().unwrap();
    assert_eq!(weak.strong_count(), 2);
    tx2.try_send(1).unwrap();
    drop(tx2);
    drop(tx);
    assert_eq!(rx.sender_strong_count(), 0);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    drop(weak2);
    assert_eq!(weak.weak_count(), 1);

    let (utx, mut urx) = mpsc::unbounded_channel::<u8>();
    let uweak = utx.downgrade();
    assert_eq!(utx.weak_count(), 1);
    uweak.upgrade().unwrap().send(4).unwrap();
    assert_eq!(uweak.strong_count(), 1);
    drop(utx);
    assert!(uweak.upgrade().is_none());
    assert_eq!(urx.sender_strong_count(), 0);
    assert_eq!(urx.sender_weak_count(), 1);
    assert_eq!(urx.try_recv(), Ok(4));
    assert!(urx.is_closed());
}

#[test]
fn same_channel() {
    let (a, _ra) = mpsc::channel::<u8>(1);
    let (b, _rb) = mpsc::channel::<u8>(1);
    assert!(a.same_channel(&a.clone()));
    assert!(!a.same_channel(&b));
    let (ua, _ura) = mpsc::unbounded_channel::<u8>();
    let (ub, _urb) = mpsc::unbounded_channel::<u8>();
    assert!(ua.same_channel(&ua.clone()));
    assert!(!ua.same_channel(&ub));
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn zero_capacity_panics() {
    let _ = mpsc::channel::<u8>(0);
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn send_timeout_without_timer_panics() {
    let (tx, _rx) = mpsc::channel::<u8>(1);
    let _ = run(tx.send_timeout(1, std::time::Duration::from_millis(1)));
}

#[test]
fn blocking_send_and_recv_across_threads() {
    let (tx, mut rx) = mpsc::channel(2);
    let h = std::thread::spawn(move || {
        for i in 0..100 {
            tx.blocking_send(i).unwrap();
        }
    });
    for i in 0..100 {
        assert_eq!(rx.blocking_recv(), Some(i));
    }
    assert_eq!(rx.blocking_recv(), None);
    h.join().unwrap();
    let (utx, mut urx) = mpsc::unbounded_channel();
    utx.send(1).unwrap();
    utx.send(2).unwrap();
    let mut buf = Vec::new();
    assert_eq!(urx.blocking_recv_many(&mut buf, 5), 2);
    drop(utx);
    assert_eq!(urx.blocking_recv(), None);
}

#[test]
fn many_producers_no_loss() {
    let (tx, mut rx) = mpsc::channel(8);
    let hs: Vec<_> = (0..4u64)
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                run(async {
                    for i in 0..2000u64 {
                        tx.send(p * 1_000_000 + i).await.unwrap();
                    }
                })
            })
        })
        .collect();
    drop(tx);
    let mut last = [None::<u64>; 4];
    let mut count = 0;
    run(async {
        while let Some(v) = rx.recv().await {
            let p = (v / 1_000_000) as usize;
            let i = v % 1_000_000;
            assert!(last[p].is_none_or(|l| l + 1 == i), "per-sender order kept");
            last[p] = Some(i);
            count += 1;
        }
    });
    assert_eq!(count, 8000);
    for h in hs {
        h.join().unwrap();
    }
}

/// Receive futures are dropped at random points, racing real senders on other threads;
/// every message must still arrive exactly once.
#[test]
fn no_lost_message_with_random_recv_drops() {
    let mut rng = XorShift::new(0x5eed);
    let (tx, mut rx) = mpsc::channel(4);
    let hs: Vec<_> = (0..2u64)
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..3000u64 {
                    tx.blocking_send(p * 100_000 + i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut seen = vec![0u8; 200_000];
    let mut total = 0;
    loop {
        let mut fut = Task::new(rx.recv());
        let polls = rng.below(3);
        let mut out = None;
        for _ in 0..=polls {
            if let std::task::Poll::Ready(v) = fut.poll() {
                out = Some(v);
                break;
            }
            std::thread::yield_now();
        }
        drop(fut); // cancelled unless it completed
        match out {
            Some(Some(v)) => {
                seen[v as usize] += 1;
                total += 1;
            }
            Some(None) => break,
            None => {}
        }
    }
    assert_eq!(total, 6000);
    assert!(seen.iter().all(|&n| n <= 1));
    for h in hs {
        h.join().unwrap();
    }
}

#[test]
fn error_types() {
    assert_eq!(SendError(1).to_string(), "channel closed");
    assert_eq!(format!("{:?}", SendError(1)), "SendError { .. }");
    assert_eq!(TrySendError::Full(1).to_string(), "no available capacity");
    assert_eq!(TrySendError::Closed(1).to_string(), "channel closed");
    assert_eq!(format!("{:?}", TrySendError::Full(1)), "Full(..)");
    assert!(TrySendError::Full(1).is_full());
    assert!(TrySendError::Closed(1).is_closed());
    assert_eq!(TrySendError::Full(3).into_inner(), 3);
    assert!(matches!(
        TrySendError::from(SendError(2)),
        TrySendError::Closed(2)
    ));
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty channel"
    );
    assert_eq!(
        TryRecvError::Disconnected.to_string(),
        "receiving on a closed channel"
    );
    assert_eq!(
        SendTimeoutError::Timeout(1).to_string(),
        "timed out waiting on send operation"
    );
    assert!(SendTimeoutError::Timeout(1).is_timeout());
    assert!(SendTimeoutError::Closed(1).is_closed());
    assert_eq!(SendTimeoutError::Closed(4).into_inner(), 4);
}

#[test]
fn owned_permit_same_channel_as_sender() {
    let (tx, _rx) = mpsc::channel::<u8>(2);
    let (other, _orx) = mpsc::channel::<u8>(2);
    let p = tx.clone().try_reserve_owned().unwrap();
    assert!(p.same_channel_as_sender(&tx));
    assert!(!p.same_channel_as_sender(&other));
}

#[test]
fn waiting_sender_fails_when_receiver_goes() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let tx2 = tx.clone();
    let mut send = Task::new(async move { tx2.send(2).await });
    send.pending();
    rx.close();
    assert!(send.is_woken());
    assert_eq!(send.ready().unwrap_err().0, 2);
    let tx3 = tx.clone();
    let mut reserve = Task::new(async move { tx3.reserve().await.map(|_| ()) });
    assert!(reserve.ready().is_err());
    assert_eq!(rx.try_recv(), Ok(1));
    drop(rx);
    assert!(tx.is_closed());
}

#[test]
fn dropped_receiver_wakes_waiting_senders() {
    let (tx, rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let mut send = Task::new(async move { tx.send(2).await });
    send.pending();
    drop(rx);
    assert!(send.is_woken());
    assert!(send.ready().is_err());
}

/// A closed receiver waits while any slot is reserved (its holder could still send); a
/// reservation that is granted slots and then fails or is dropped must give them back and
/// wake the receiver once none is out.
mod closed_receiver_and_pending_reservations {
    use super::*;

    #[test]
    fn released_permit_wakes_only_when_no_slot_is_out() {
        let (tx, mut rx) = mpsc::channel::<u8>(3);
        let p1 = tx.try_reserve().unwrap();
        let p2 = tx.try_reserve().unwrap();
        rx.close();
        let mut recv = Task::new(rx.recv());
        recv.pending();
        drop(p1);
        assert!(!recv.is_woken(), "a slot is still reserved");
        recv.pending();
        drop(p2);
        assert!(recv.is_woken());
        assert_eq!(recv.ready(), None);
    }

    #[test]
    fn granted_then_dropped_reservation_wakes() {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let held = tx.try_reserve().unwrap();
        let mut reserve = Task::new(tx.reserve());
        reserve.pending();
        // The slot goes straight to the waiting reservation.
        drop(held);
        assert!(reserve.is_woken());
        rx.close();
        let mut recv = Task::new(rx.recv());
        recv.pending();
        drop(reserve);
        assert!(recv.is_woken());
        assert_eq!(recv.ready(), None);
        assert_eq!(tx.capacity(), 1, "the dropped grant came back");
    }

    #[test]
    fn granted_then_closed_reservation_fails_and_wakes() {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let held = tx.try_reserve().unwrap();
        let mut reserve = Task::new(tx.reserve());
        reserve.pending();
        drop(held);
        rx.close();
        let mut recv = Task::new(rx.recv());
        recv.pending();
        // Granted before the close, polled after it: it fails, as tokio's does.
        assert!(reserve.ready().is_err());
        assert!(recv.is_woken());
        assert_eq!(recv.ready(), None);
        assert_eq!(tx.capacity(), 1);
    }

    #[test]
    fn partly_granted_reserve_many_fails_and_wakes() {
        let (tx, mut rx) = mpsc::channel::<u8>(2);
        let held = tx.try_reserve().unwrap();
        let mut reserve = Task::new(tx.reserve_many(2));
        reserve.pending();
        rx.close();
        let mut recv = Task::new(rx.recv());
        recv.pending();
        drop(held);
        assert!(!recv.is_woken(), "the reservation still holds a slot");
        assert!(reserve.ready().is_err());
        assert!(recv.is_woken());
        assert_eq!(recv.ready(), None);
    }

    #[test]
    fn partly_granted_reserve_many_dropped_wakes() {
        let (tx, mut rx) = mpsc::channel::<u8>(2);
        let held = tx.try_reserve().unwrap();
        let mut reserve = Task::new(tx.reserve_many(2));
        reserve.pending();
        rx.close();
        let mut recv = Task::new(rx.recv());
        recv.pending();
        drop(held);
        assert!(!recv.is_woken());
        drop(reserve);
        assert!(recv.is_woken());
        assert_eq!(recv.ready(), None);
    }

    #[test]
    fn unused_permits_of_a_reserve_many_wake() {
        let (tx, mut rx) = mpsc::channel::<u8>(3);
        let mut permits = tx.try_reserve_many(3).unwrap();
        permits.next().unwrap().send(1);
        rx.close();
        assert_eq!(rx.try_recv(), Ok(1));
        let mut recv = Task::new(rx.recv());
        recv.pending();
        drop(permits);
        assert!(recv.is_woken());
        assert_eq!(recv.ready(), None);
    }
}

/// A waker whose drop sends on the channel it waits on: dropping it under the queue lock
/// would deadlock.
struct SendOnDrop(mpsc::Sender<u8>);

impl std::task::Wake for SendOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for SendOnDrop {
    fn drop(&mut self) {
        let _ = self.0.try_send(5);
    }
}

#[test]
fn replaced_receiver_waker_is_dropped_outside_the_lock() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let waker = Waker::from(Arc::new(SendOnDrop(tx.clone())));
    let mut recv = Box::pin(rx.recv());
    assert!(recv
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(recv.as_mut().poll(&mut cx).is_pending());
    assert_eq!(recv.as_mut().poll(&mut cx), Poll::Ready(Some(5)));
    drop(recv);
    // The receiver's drop drops the stored waker outside its lock too.
    let mut recv = Box::pin(rx.recv());
    let waker = Waker::from(Arc::new(SendOnDrop(tx.clone())));
    assert!(recv
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    drop(recv);
    drop(rx);
    assert!(tx.is_closed());
}
