//! Behaviour tests for `broadcast`.
#![cfg(not(loom))]

mod common;

use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::SeqCst};
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

/// A value that counts how many copies of it are alive and how many clones were made, so
/// a test sees each copy dropped exactly once (a double drop would underflow `live`).
#[derive(Debug)]
struct Counted {
    val: u64,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    live: AtomicIsize,
    clones: AtomicUsize,
}

impl Counts {
    fn live(&self) -> isize {
        self.live.load(SeqCst)
    }
}

impl Counted {
    fn new(val: u64, counts: &Arc<Counts>) -> Counted {
        counts.live.fetch_add(1, SeqCst);
        Counted {
            val,
            counts: counts.clone(),
        }
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.counts.clones.fetch_add(1, SeqCst);
        Counted::new(self.val, &self.counts)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let before = self.counts.live.fetch_sub(1, SeqCst);
        assert!(before > 0, "a value was dropped twice");
    }
}

#[test]
fn last_reader_drops_the_stored_value() {
    let counts = Arc::new(Counts::default());
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    let mut rx3 = tx.subscribe();
    tx.send(Counted::new(1, &counts)).unwrap();
    assert_eq!(counts.live(), 1);
    let a = rx1.try_recv().unwrap();
    let b = rx2.try_recv().unwrap();
    assert_eq!(counts.clones.load(SeqCst), 2);
    assert_eq!(counts.live(), 3, "two clones and the copy in the slot");
    let c = rx3.try_recv().unwrap();
    assert_eq!(
        counts.clones.load(SeqCst),
        3,
        "every reader gets a clone, the last one too (as in tokio)"
    );
    assert_eq!(
        counts.live(),
        3,
        "the last read dropped the copy in the slot"
    );
    assert!(tx.is_empty());
    assert_eq!((a.val, b.val, c.val), (1, 1, 1));
    drop((a, b, c));
    assert_eq!(counts.live(), 0);
    drop((tx, rx1, rx2, rx3));
    assert_eq!(counts.live(), 0);
}

#[test]
fn receivers_dropped_mid_ring_release_their_share() {
    let counts = Arc::new(Counts::default());
    let (tx, mut rx1) = broadcast::channel(8);
    let mut rx2 = tx.subscribe();
    let rx3 = tx.subscribe();
    for i in 0..4 {
        tx.send(Counted::new(i, &counts)).unwrap();
    }
    // rx1 reads two values, rx2 all four, rx3 none.
    for i in 0..2 {
        assert_eq!(rx1.try_recv().unwrap().val, i);
    }
    for i in 0..4 {
        assert_eq!(rx2.try_recv().unwrap().val, i);
    }
    assert_eq!(counts.live(), 4, "every value is still owed to rx3");
    assert_eq!(tx.len(), 4);
    assert_eq!(rx1.len(), 2);
    assert_eq!(rx3.len(), 4);
    drop(rx3);
    assert_eq!(
        counts.live(),
        2,
        "values 0 and 1 were read by everyone left"
    );
    assert_eq!(tx.len(), 2);
    assert_eq!(tx.receiver_count(), 2);
    drop(rx1);
    assert_eq!(counts.live(), 0, "nobody left owes a read");
    assert!(tx.is_empty());
    // The ring keeps working for the remaining receiver.
    tx.send(Counted::new(9, &counts)).unwrap();
    assert_eq!(tx.send(Counted::new(10, &counts)).unwrap(), 1);
    assert_eq!(rx2.try_recv().unwrap().val, 9);
    assert_eq!(counts.live(), 1);
    drop(rx2);
    assert_eq!(counts.live(), 0);
}

#[test]
fn overwritten_values_drop_once_and_lag_counts_them() {
    let counts = Arc::new(Counts::default());
    let (tx, mut rx) = broadcast::channel(2);
    let mut fast = tx.subscribe();
    for i in 0..6 {
        tx.send(Counted::new(i, &counts)).unwrap();
        assert_eq!(fast.try_recv().unwrap().val, i);
    }
    assert_eq!(counts.live(), 2, "the overwritten values were dropped");
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Lagged(4));
    assert_eq!(rx.try_recv().unwrap().val, 4);
    assert_eq!(rx.try_recv().unwrap().val, 5);
    assert_eq!(counts.live(), 0);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);
}

#[test]
fn dropped_waiting_recv_leaves_other_waiters() {
    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    let mut rx3 = tx.subscribe();
    let mut t1 = Task::new(rx1.recv());
    let mut t2 = Task::new(rx2.recv());
    let mut t3 = Task::new(rx3.recv());
    t1.pending();
    t2.pending();
    t3.pending();
    // Polled again while still queued: stays queued once, is woken once.
    t2.pending();
    drop(t1);
    tx.send(5).unwrap();
    assert_eq!(t2.wakes(), 1);
    assert!(t3.is_woken());
    assert_eq!(t2.ready(), Ok(5));
    assert_eq!(t3.ready(), Ok(5));
    drop((t2, t3));
    assert_eq!(rx1.try_recv(), Ok(5));
    // A woken receiver that is polled before the value is read again still works.
    let mut t = Task::new(rx2.recv());
    t.pending();
    tx.send(6).unwrap();
    tx.send(7).unwrap();
    assert_eq!(t.wakes(), 1, "one wake-up, not one per send");
    assert_eq!(t.ready(), Ok(6));
    drop(t);
    assert_eq!(rx2.try_recv(), Ok(7));
}

/// Readers on threads while a small ring is overwritten: each sees values in order, with
/// `Lagged` counting exactly the values it skipped, and every value is dropped exactly once.
#[test]
fn threads_lag_and_read_concurrently() {
    const N: u64 = 3000;
    let counts = Arc::new(Counts::default());
    let (tx, _) = broadcast::channel::<Counted>(4);
    let hs: Vec<_> = (0..3)
        .map(|_| {
            let mut rx = tx.subscribe();
            std::thread::spawn(move || {
                let (mut expected, mut got, mut missed) = (0, 0, 0);
                loop {
                    match rx.blocking_recv() {
                        Ok(v) => {
                            assert_eq!(v.val, expected, "out of order");
                            expected += 1;
                            got += 1;
                        }
                        Err(RecvError::Lagged(n)) => {
                            expected += n;
                            missed += n;
                        }
                        Err(RecvError::Closed) => break,
                    }
                }
                assert_eq!(got + missed, N);
                rx
            })
        })
        .collect();
    let mut late = tx.subscribe();
    for i in 0..N {
        tx.send(Counted::new(i, &counts)).unwrap();
        if i % 64 == 0 {
            std::thread::yield_now();
        }
    }
    drop(tx);
    let rxs: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    // `late` never read: the ring still holds the last 4 values for it alone.
    assert_eq!(counts.live(), 4);
    assert_eq!(late.try_recv().unwrap_err(), TryRecvError::Lagged(N - 4));
    for i in N - 4..N {
        assert_eq!(late.try_recv().unwrap().val, i);
    }
    assert_eq!(late.try_recv().unwrap_err(), TryRecvError::Closed);
    assert_eq!(
        counts.live(),
        0,
        "read by everyone: nothing left in the ring"
    );
    drop(rxs);
}

/// On magpie's multi-thread runtime: receiver tasks read while one receiver lags; the
/// lagging one learns exactly how much it missed.
#[test]
fn lag_while_others_read_on_multi_thread_runtime() {
    const N: u64 = 500;
    let rt = magpie_sched::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("cannot build the magpie runtime");
    let (tx, mut slow) = broadcast::channel::<u64>(8);
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let mut rx = tx.subscribe();
            rt.spawn(async move {
                let (mut expected, mut got) = (0, 0);
                loop {
                    match rx.recv().await {
                        Ok(v) => {
                            assert_eq!(v, expected, "out of order");
                            expected += 1;
                            got += 1;
                        }
                        Err(RecvError::Lagged(n)) => expected += n,
                        Err(RecvError::Closed) => return (expected, got),
                    }
                }
            })
        })
        .collect();
    let sender = rt.spawn(async move {
        for i in 0..N {
            tx.send(i).unwrap();
            if i % 16 == 0 {
                // Let the readers run between bursts.
                YieldOnce(false).await;
            }
        }
    });
    rt.block_on(async {
        sender.await.unwrap();
        for r in readers {
            let (end, got) = r.await.unwrap();
            assert_eq!(end, N);
            assert!(got > 0);
        }
    });
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(N - 8)));
    for i in N - 8..N {
        assert_eq!(slow.try_recv(), Ok(i));
    }
    assert_eq!(slow.try_recv(), Err(TryRecvError::Closed));
}

/// Returns `Pending` once (waking itself), then `Ready`.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// `Send` but not `Sync`: its clone mutates the original through a `Cell`, so two clones at
/// once on two threads would lose counts (the channel asks only `T: Send`).
struct Tally {
    clones: std::cell::Cell<u32>,
    original: bool,
}

impl Clone for Tally {
    fn clone(&self) -> Self {
        let seen = self.clones.get();
        // Widen the window in which a concurrent clone would interleave.
        for _ in 0..50 {
            std::hint::spin_loop();
        }
        self.clones.set(seen + 1);
        // Each clone carries its rank: with no clone racing another, the ranks of one
        // value's clones are exactly 1..=receivers.
        Tally {
            clones: std::cell::Cell::new(seen + 1),
            original: false,
        }
    }
}

#[test]
fn clones_of_a_value_never_run_in_parallel() {
    const RECEIVERS: u32 = 6;
    const N: u32 = 300;
    let (tx, _) = broadcast::channel::<Tally>(512);
    let hs: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let mut rx = tx.subscribe();
            std::thread::spawn(move || {
                let mut counted = 0;
                while let Ok(t) = rx.blocking_recv() {
                    // Every receiver gets a clone, never the original.
                    assert!(!t.original);
                    counted += t.clones.get();
                }
                counted
            })
        })
        .collect();
    for _ in 0..N {
        let t = Tally {
            clones: std::cell::Cell::new(0),
            original: true,
        };
        assert!(tx.send(t).is_ok());
    }
    drop(tx);
    let total: u32 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(
        total,
        N * RECEIVERS * (RECEIVERS + 1) / 2,
        "a clone ran alongside another"
    );
}

/// Counts its wake-ups.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl std::task::Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn recv_polled_with_a_new_waker_wakes_the_new_one() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let (a, b) = (Arc::new(Wakes::default()), Arc::new(Wakes::default()));
    let (wa, wb) = (Waker::from(a.clone()), Waker::from(b.clone()));
    let mut fut = Box::pin(rx.recv());
    assert!(fut
        .as_mut()
        .poll(&mut Context::from_waker(&wa))
        .is_pending());
    assert!(fut
        .as_mut()
        .poll(&mut Context::from_waker(&wb))
        .is_pending());
    assert_eq!(Arc::strong_count(&a), 2, "the old waker was released");
    tx.send(1).unwrap();
    assert_eq!(a.0.load(SeqCst), 0);
    assert_eq!(b.0.load(SeqCst), 1);
    assert_eq!(
        fut.as_mut().poll(&mut Context::from_waker(&wb)),
        Poll::Ready(Ok(1))
    );
    drop(fut);
    assert_eq!(Arc::strong_count(&b), 2, "the channel kept no waker");
}

/// A waker whose drop sends on the channel it waits on: dropping it under the channel's
/// lock would deadlock.
struct SendOnDrop(broadcast::Sender<u8>);

impl std::task::Wake for SendOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for SendOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(9);
    }
}

#[test]
fn replaced_waker_is_dropped_outside_the_lock() {
    use std::future::Future;
    use std::task::{Context, Waker};

    let (tx, mut rx) = broadcast::channel::<u8>(4);
    let mut recv = Box::pin(rx.recv());
    let waker = Waker::from(Arc::new(SendOnDrop(tx)));
    assert!(recv
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    // The second poll replaces (and so drops) the first waker, which sends.
    let mut cx = Context::from_waker(Waker::noop());
    assert!(recv.as_mut().poll(&mut cx).is_pending());
    drop(recv);
    assert_eq!(rx.try_recv(), Ok(9));
}

#[test]
fn woken_waker_is_dropped_outside_the_lock() {
    use std::future::Future;
    use std::task::{Context, Waker};

    let (tx, mut rx) = broadcast::channel::<u8>(4);
    let mut recv = Box::pin(rx.recv());
    let waker = Waker::from(Arc::new(SendOnDrop(tx.clone())));
    assert!(recv
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    // Waking consumes the waker, whose drop sends 9.
    tx.send(1).unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(recv.as_mut().poll(&mut cx), std::task::Poll::Ready(Ok(1)));
    drop(recv);
    assert_eq!(rx.try_recv(), Ok(9));
}

#[derive(Debug, PartialEq)]
struct FragileClone(u32);

impl Clone for FragileClone {
    fn clone(&self) -> Self {
        assert!(self.0 != 0, "cannot clone zero");
        FragileClone(self.0)
    }
}

#[test]
fn a_panicking_clone_skips_that_value_only() {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    let (tx, mut rx1) = broadcast::channel(4);
    let mut rx2 = tx.subscribe();
    tx.send(FragileClone(0)).unwrap();
    tx.send(FragileClone(1)).unwrap();
    // Even the last receiver gets a clone, as in tokio: the clone panics for both.
    for rx in [&mut rx1, &mut rx2] {
        assert!(catch_unwind(AssertUnwindSafe(|| rx.try_recv())).is_err());
        assert_eq!(rx.try_recv(), Ok(FragileClone(1)));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    }
    assert_eq!(tx.len(), 0);
}

#[test]
fn every_receiver_gets_a_clone() {
    static CLONES: AtomicUsize = AtomicUsize::new(0);
    struct Counted;
    impl Clone for Counted {
        fn clone(&self) -> Self {
            CLONES.fetch_add(1, SeqCst);
            Counted
        }
    }
    let (tx, mut rx1) = broadcast::channel(2);
    let mut rx2 = tx.subscribe();
    let _ = tx.send(Counted);
    assert!(rx1.try_recv().is_ok());
    assert!(rx2.try_recv().is_ok());
    assert_eq!(CLONES.load(SeqCst), 2);
}
