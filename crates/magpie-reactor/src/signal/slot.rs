//! [`Slot`]: what the listeners of one signal share: a count of deliveries and the wakers
//! of the listeners waiting for the next one.
//!
//! A listener remembers the count it has seen; it is ready when the count moved past it,
//! and then it takes the new count, so any number of deliveries between two receives make
//! one event (signals coalesce, in the kernel and here, as with tokio). Delivery bumps the
//! count before it takes the waker lock; a listener stores its waker under that lock and
//! re-reads the count before it returns `Pending`, so a delivery is never missed: either
//! the delivery's lock comes after the listener's (it finds the waker) or before it (the
//! re-read sees the new count).

#![cfg_attr(not(loom), allow(unreachable_pub))]

use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::loom::sync::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use crate::loom::sync::Mutex;

/// Deliveries of one signal and the listeners waiting for the next.
#[derive(Debug)]
pub struct Slot {
    deliveries: AtomicUsize,
    waiters: Mutex<Slab<Option<Waker>>>,
}

impl Default for Slot {
    fn default() -> Self {
        Slot::new()
    }
}

impl Slot {
    /// No delivery yet, nobody waiting.
    pub fn new() -> Slot {
        Slot {
            deliveries: AtomicUsize::new(0),
            waiters: Mutex::new(Slab::new()),
        }
    }

    /// The delivery count now: a new listener starts from it, so it only sees signals that
    /// arrive after it was created.
    pub fn current(&self) -> usize {
        self.deliveries.load(Acquire)
    }

    /// Records a delivery and wakes every waiting listener.
    pub fn deliver(&self) {
        self.deliveries.fetch_add(1, AcqRel);
        let wakers: Vec<Waker> = {
            let mut waiters = self.waiters.lock();
            waiters.iter_mut().filter_map(|(_, w)| w.take()).collect()
        };
        // Woken outside the lock: a waker may run foreign code.
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Polls a listener that has seen `seen` deliveries; `key` is its waiter entry (`None`
    /// until it first waits). Ready with the new count once a delivery arrived.
    pub fn poll(&self, cx: &mut Context<'_>, seen: usize, key: &mut Option<usize>) -> Poll<usize> {
        let now = self.current();
        if now != seen {
            return Poll::Ready(now);
        }
        let mut waiters = self.waiters.lock();
        match *key {
            Some(k) => match &mut waiters[k] {
                Some(w) if w.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            },
            None => *key = Some(waiters.insert(Some(cx.waker().clone()))),
        }
        // Re-read under the lock: see the module docs.
        let now = self.current();
        if now != seen {
            Poll::Ready(now)
        } else {
            Poll::Pending
        }
    }

    /// Forgets a listener's waiter entry (the listener is dropped).
    pub fn remove(&self, key: usize) {
        let mut waiters = self.waiters.lock();
        if waiters.contains(key) {
            waiters.remove(key);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize as Count, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    struct Counter(Count);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn deliveries_coalesce_and_wake_every_listener() {
        let slot = Slot::new();
        let c1 = Arc::new(Counter(Count::new(0)));
        let c2 = Arc::new(Counter(Count::new(0)));
        let (w1, w2) = (Waker::from(c1.clone()), Waker::from(c2.clone()));
        let (mut k1, mut k2) = (None, None);
        let seen = slot.current();
        assert!(slot
            .poll(&mut Context::from_waker(&w1), seen, &mut k1)
            .is_pending());
        assert!(slot
            .poll(&mut Context::from_waker(&w2), seen, &mut k2)
            .is_pending());
        slot.deliver();
        slot.deliver();
        assert_eq!((c1.0.load(SeqCst), c2.0.load(SeqCst)), (1, 1));
        // Two deliveries, one event; then nothing until the next delivery.
        let Poll::Ready(seen) = slot.poll(&mut Context::from_waker(&w1), seen, &mut k1) else {
            panic!("a delivery must make the listener ready");
        };
        assert!(slot
            .poll(&mut Context::from_waker(&w1), seen, &mut k1)
            .is_pending());
        slot.remove(k1.unwrap());
        slot.remove(k2.unwrap());
        slot.deliver();
        assert_eq!(c1.0.load(SeqCst), 1, "a removed listener is not woken");
    }
}
