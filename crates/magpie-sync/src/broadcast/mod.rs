//! A multi-producer, multi-consumer channel where every receiver sees every value.
//!
//! Values go into a ring buffer of `capacity` (rounded up to a power of two) slots; each
//! receiver keeps its own position. A receiver that falls more than a ring behind loses the
//! oldest values and is told how many with [`error::RecvError::Lagged`]. A slot remembers
//! how many receivers still have to read it, so a value is dropped as soon as every
//! receiver has seen it (or when a newer value overwrites it).
//!
//! # Design
//!
//! Fan-out is the point of this channel: one send, many receivers reading the same values
//! at their own pace. So the lock a receiver takes for a value that is already there is
//! the lock of that value's slot alone, and the channel-wide lock is left to senders and
//! to receivers that find nothing new.
//!
//! * The **tail** mutex holds the next write position, the receiver count, the closed flag
//!   and the waiter list. Senders take it for a send (claim a position, write the slot,
//!   unlink the waiters); receivers take it only on the slow path: nothing new (to check
//!   `closed` and register a waiter), or overwritten (to learn how far the tail went).
//! * Every **slot** has its own mutex around `(pos, rem, value)`. A sender writes a slot
//!   holding both the tail lock and the slot lock (lock order: tail, then slot); a receiver
//!   whose next position is in the ring locks only that slot, checks `pos`, counts itself
//!   off `rem` and clones the value. Every receiver gets a clone, the last one too (tokio
//!   documents values as "cloned on demand for each receiver"); the last one then takes
//!   the stored value out of the slot and drops it outside the lock.
//!
//! Why a mutex per slot rather than a reader-writer lock or a sequence (seqlock) scheme:
//! receivers must clone `T`, and clones running in parallel on one `&T` would need
//! `T: Sync`, while this channel (like tokio's) only asks `T: Send`. Parallel clones under
//! a per-slot read lock are the unsoundness tokio fixed in RUSTSEC-2025-0023. A seqlock is
//! worse still: it would clone a value a sender may be overwriting, and a torn `T` is not
//! something one can clone and discard. A mutex makes the clone exclusive, lets `rem` be a
//! plain counter (one lock, one unlock: two atomic operations for a receive, fewer than
//! a read lock plus an atomic counter), and its critical section is one clone, so readers
//! of the same slot rarely queue. Two receivers only contend when they read the very same
//! slot at the same moment, and a receiver contends with a sender only on the one slot the
//! sender is writing.
//!
//! Why this is correct without the tail lock on the fast path: positions only grow, the
//! slot at index `i` always holds the newest position `≡ i (mod capacity)` written, and a
//! receiver's position never passes the tail. So for a receiver at `next`, the slot holds
//! either `next` (the value is there), `next - capacity` (nothing new yet), or a later lap
//! (the receiver lagged). Only the first case is decided without the tail lock; the other
//! two are decided again under it, where no sender can write.
//!
//! Waiting receivers link an intrusive node under the tail lock; a sender unlinks all of
//! them while holding it and wakes them after releasing it. The node's "linked" flag is
//! atomic, so a woken receiver sees that it was unlinked and takes its value through the
//! fast path without touching the tail lock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use crate::linked_list::LinkedList;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, Mutex};
use crate::notify::Notify;

pub mod error;
mod slot;
mod waiter;

use error::{RecvError, SendError, TryRecvError};
use slot::Slot;
use waiter::{wake_all, Waiter};

/// The state senders share: everything but the values.
struct Tail {
    /// The position the next value is written at.
    pos: u64,
    rx_cnt: usize,
    closed: bool,
    waiters: LinkedList<Waiter>,
}

/// Keeps the tail lock, which senders write all the time, off the cache line of the fields
/// receivers read on every receive.
#[repr(align(128))]
struct CachePadded<T>(T);

struct Shared<T> {
    buffer: Box<[Mutex<Slot<T>>]>,
    mask: usize,
    tx_cnt: AtomicUsize,
    weak_cnt: AtomicUsize,
    /// Senders waiting for every receiver to go.
    notify_closed: Notify,
    tail: CachePadded<Mutex<Tail>>,
}

/// Sends values to every receiver; clone it for more producers.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to
/// send.
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it was created. Made by [`channel`] or
/// [`Sender::subscribe`].
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    next: u64,
}

/// Creates a broadcast channel holding up to `capacity` values (rounded up to a power of
/// two) for receivers that have not read them yet.
///
/// # Panics
///
/// If `capacity` is 0 or above `usize::MAX / 2`.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, mut rx1) = magpie_sync::broadcast::channel(16);
/// let mut rx2 = tx.subscribe();
/// tx.send(10).unwrap();
/// assert_eq!(rx1.recv().await, Ok(10));
/// assert_eq!(rx2.recv().await, Ok(10));
/// # });
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(capacity);
    let rx = tx.subscribe();
    (tx, rx)
}

impl<T> Shared<T> {
    fn capacity(&self) -> u64 {
        self.mask as u64 + 1
    }

    fn slot(&self, pos: u64) -> &Mutex<Slot<T>> {
        &self.buffer[(pos & self.mask as u64) as usize]
    }

    /// Takes the value at `*next` if there is one; if there is none and `waiter` is given,
    /// registers it (under the tail lock, so no send can slip in between).
    fn recv(&self, next: &mut u64, waiter: Option<(&Waiter, &Waker)>) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        // Fast path: the value is in the ring; only its slot is locked.
        let value = self.slot(*next).lock().read(next);
        match value {
            Some((v, dead)) => {
                drop(dead);
                Ok(v)
            }
            None => self.recv_slow(next, waiter),
        }
    }

    /// The slot did not hold `*next`: decide between "nothing yet", "closed" and "lagged"
    /// under the tail lock, where no sender can write.
    #[cold]
    fn recv_slow(
        &self,
        next: &mut u64,
        waiter: Option<(&Waiter, &Waker)>,
    ) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let cap = self.capacity();
        let mut tail = self.tail.0.lock();
        let mut slot = self.slot(*next).lock();
        if slot.pos() == *next {
            // Sent since the fast path looked. The slot lock alone keeps it for us.
            drop(tail);
            let (v, dead) = slot.read(next).expect("the slot holds our position");
            drop(slot);
            drop(dead);
            return Ok(v);
        }
        let behind = slot.pos().wrapping_add(cap) == *next;
        drop(slot);
        if behind {
            // The slot still holds the previous lap: nothing new for us.
            if tail.closed {
                return Err(TryRecvError::Closed);
            }
            if let Some((waiter, waker)) = waiter {
                // SAFETY: we hold the tail lock of the list; the waiter lives in a pinned
                // `Recv` that unregisters before it goes away.
                let replaced = unsafe { waiter.register(&mut tail.waiters, waker) };
                // The old waker's drop may send on this channel: not under the lock.
                drop(tail);
                drop(replaced);
            }
            return Err(TryRecvError::Empty);
        }
        // Overwritten: skip to the oldest value still held.
        let oldest = tail.pos.wrapping_sub(cap);
        let missed = oldest.wrapping_sub(*next);
        *next = oldest;
        Err(TryRecvError::Lagged(missed))
    }
}

impl<T> Sender<T> {
    /// Creates a sender with no receivers; see [`channel`] for `capacity`.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above `usize::MAX / 2`.
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`"
        );
        let cap = capacity.next_power_of_two();
        let buffer = (0..cap)
            .map(|i| Mutex::new(Slot::new(i as u64, cap as u64)))
            .collect();
        Sender {
            shared: Arc::new(Shared {
                buffer,
                mask: cap - 1,
                tx_cnt: AtomicUsize::new(1),
                weak_cnt: AtomicUsize::new(0),
                notify_closed: Notify::new(),
                tail: CachePadded(Mutex::new(Tail {
                    pos: 0,
                    rx_cnt: 0,
                    closed: false,
                    waiters: LinkedList::new(),
                })),
            }),
        }
    }

    /// Sends `value` to every current receiver; returns how many there are. Fails, giving
    /// the value back, if there is none. Never waits: a full ring overwrites the oldest
    /// value, and receivers that had not read it see `Lagged`.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut tail = self.shared.tail.0.lock();
        let rx_cnt = tail.rx_cnt;
        if rx_cnt == 0 {
            return Err(SendError(value));
        }
        let pos = tail.pos;
        tail.pos = pos.wrapping_add(1);
        // Written under the tail lock too: receivers deciding "empty" or "lagged" under the
        // tail lock then see every slot as of `tail.pos`.
        let old = self.shared.slot(pos).lock().write(pos, rx_cnt, value);
        wake_all(tail);
        drop(old);
        Ok(rx_cnt)
    }

    /// Makes a receiver that sees values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(&self.shared)
    }

    /// Returns the number of values some receiver has yet to read (at most the ring size).
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.0.lock();
        let start = tail.pos.saturating_sub(self.shared.capacity());
        (start..tail.pos)
            .filter(|&p| self.shared.slot(p).lock().is_unread(p))
            .count()
    }

    /// Returns `true` if every receiver has read every value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the number of receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.tail.0.lock().rx_cnt
    }

    /// Returns `true` if both senders send to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Makes a [`WeakSender`] that does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.weak_cnt.fetch_add(1, Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// Returns the number of live `Sender`s.
    pub fn strong_count(&self) -> usize {
        self.shared.tx_cnt.load(Acquire)
    }

    /// Returns the number of live `WeakSender`s.
    pub fn weak_count(&self) -> usize {
        self.shared.weak_cnt.load(Acquire)
    }

    /// Waits until there is no receiver.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.notify_closed.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.receiver_count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// A receiver starting at the tail: it sees the values sent after this call.
#[track_caller]
fn new_receiver<T>(shared: &Arc<Shared<T>>) -> Receiver<T> {
    let mut tail = shared.tail.0.lock();
    assert!(
        tail.rx_cnt != usize::MAX,
        "broadcast receiver count overflow"
    );
    tail.rx_cnt += 1;
    let next = tail.pos;
    drop(tail);
    Receiver {
        shared: shared.clone(),
        next,
    }
}

impl<T> WeakSender<T> {
    /// Returns a [`Sender`] unless every sender is already gone.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut n = self.shared.tx_cnt.load(Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            match self
                .shared
                .tx_cnt
                .compare_exchange_weak(n, n + 1, AcqRel, Relaxed)
            {
                Ok(_) => {
                    return Some(Sender {
                        shared: self.shared.clone(),
                    })
                }
                Err(actual) => n = actual,
            }
        }
    }

    /// Returns the number of live `Sender`s.
    pub fn strong_count(&self) -> usize {
        self.shared.tx_cnt.load(Acquire)
    }

    /// Returns the number of live `WeakSender`s.
    pub fn weak_count(&self) -> usize {
        self.shared.weak_cnt.load(Acquire)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.weak_cnt.fetch_add(1, Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.weak_cnt.fetch_sub(1, Relaxed);
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_cnt.fetch_add(1, Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_cnt.fetch_sub(1, AcqRel) == 1 {
            let mut tail = self.shared.tail.0.lock();
            tail.closed = true;
            wake_all(tail);
        }
    }
}

impl<T: Clone> Receiver<T> {
    /// Receives the next value.
    ///
    /// Fails with [`RecvError::Lagged`] if values were overwritten before this receiver read
    /// them (the next call returns the oldest value still held), and with
    /// [`RecvError::Closed`] once every sender is gone and every value was read.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a value is only taken by the poll that returns it.
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        Recv {
            receiver: self,
            waiter: Waiter::new(),
            registered: false,
        }
        .await
    }

    /// Takes the next value if there is one, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.shared.recv(&mut self.next, None)
    }

    /// Receives from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::block::block_on(self.recv())
    }
}

impl<T> Receiver<T> {
    /// Returns the number of values sent that this receiver has yet to read (lagged ones
    /// included).
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.0.lock();
        tail.pos.wrapping_sub(self.next) as usize
    }

    /// Returns `true` if there is nothing new for this receiver.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns `true` if both receivers read the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Makes a new receiver for the same channel that starts at the newest position, as
    /// [`Sender::subscribe`] does.
    pub fn resubscribe(&self) -> Self {
        new_receiver(&self.shared)
    }

    /// Returns the number of live senders.
    pub fn sender_strong_count(&self) -> usize {
        self.shared.tx_cnt.load(Acquire)
    }

    /// Returns the number of live weak senders.
    pub fn sender_weak_count(&self) -> usize {
        self.shared.weak_cnt.load(Acquire)
    }

    /// Returns `true` once every sender is gone (values may still be queued).
    pub fn is_closed(&self) -> bool {
        self.shared.tx_cnt.load(Acquire) == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut tail = self.shared.tail.0.lock();
        tail.rx_cnt -= 1;
        let last = tail.rx_cnt == 0;
        let end = tail.pos;
        // Sends from now on no longer count us; the ones before `end` did. The lock can go:
        // a slot a later send overwrites no longer holds its old position, and `release`
        // leaves it alone.
        drop(tail);
        let start = self.next.max(end.saturating_sub(self.shared.capacity()));
        for p in start..end {
            // Unread values no longer wait for us; drop the ones nobody else needs, outside
            // the slot's lock.
            let dead = self.shared.slot(p).lock().release(p);
            drop(dead);
        }
        if last {
            self.shared.notify_closed.notify_waiters();
        }
    }
}

/// The future behind [`Receiver::recv`].
struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    waiter: Waiter,
    /// The waiter was linked and may still be: it must be unregistered before going away.
    registered: bool,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = ready!(crate::hooks::poll_proceed(cx));
        // SAFETY: nothing is moved out of the pinned future; the waiter stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let shared = &*this.receiver.shared;
        let res = match shared.recv(&mut this.receiver.next, Some((&this.waiter, cx.waker()))) {
            Ok(v) => Ok(v),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Empty) => {
                this.registered = true;
                return Poll::Pending;
            }
        };
        if this.registered {
            // SAFETY: the waiter was registered in this channel's tail list.
            unsafe { this.waiter.unregister(&shared.tail.0) };
            this.registered = false;
        }
        coop.made_progress();
        Poll::Ready(res)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if self.registered {
            // SAFETY: the waiter was registered in this channel's tail list.
            unsafe { self.waiter.unregister(&self.receiver.shared.tail.0) };
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}
