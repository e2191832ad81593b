//! A multi-producer, multi-consumer channel where every receiver sees every value.
//!
//! Values go into a ring buffer of `capacity` (rounded up to a power of two) slots; each
//! receiver keeps its own position. A receiver that falls more than a ring behind loses the
//! oldest values and is told how many with [`error::RecvError::Lagged`]. A slot remembers
//! how many receivers still have to read it, so a value is dropped as soon as every
//! receiver has seen it. The ring, positions and waiter list share one lock; waiting
//! receivers queue in an intrusive list.

use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll, Waker};

use crate::linked_list::{Link, LinkedList, Pointers};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, Mutex, MutexGuard};
use crate::notify::Notify;
use crate::wake_list::WakeList;

/// Errors of the `broadcast` channel.
pub mod error {
    use std::fmt;

    /// There is no receiver; the value comes back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Error of `recv`.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum RecvError {
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind and this many values were overwritten before it read
        /// them; the next `recv` returns the oldest value still held.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(amt) => write!(f, "channel lagged by {amt}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Error of `try_recv`.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// No new value now.
        Empty,
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind by this many values; see [`RecvError::Lagged`].
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(amt) => write!(f, "channel lagged by {amt}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

struct Slot<T> {
    /// The position of the value held (or, before the first lap, `index - capacity`).
    pos: u64,
    /// Receivers that still have to read the value.
    rem: usize,
    val: Option<T>,
}

struct Tail<T> {
    /// The position the next value is written at.
    pos: u64,
    rx_cnt: usize,
    closed: bool,
    buffer: Box<[Slot<T>]>,
    waiters: LinkedList<Waiter>,
}

struct Shared<T> {
    tail: Mutex<Tail<T>>,
    mask: usize,
    tx_cnt: AtomicUsize,
    weak_cnt: AtomicUsize,
    /// Senders waiting for every receiver to go.
    notify_closed: Notify,
}

struct Waiter {
    pointers: Pointers<Waiter>,
    /// Accessed only under the tail lock, like `queued`.
    waker: UnsafeCell<Option<Waker>>,
    queued: UnsafeCell<bool>,
    _pin: PhantomPinned,
}

// SAFETY: `pointers` is the `Pointers<Waiter>` field of the node.
unsafe impl Link for Waiter {
    unsafe fn pointers(target: NonNull<Waiter>) -> NonNull<Pointers<Waiter>> {
        // SAFETY: `target` is live (caller contract); taking a field address does not read.
        unsafe { NonNull::new_unchecked(&raw mut (*target.as_ptr()).pointers) }
    }
}

// SAFETY: every field is accessed only under the tail lock.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

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

    /// Takes the value at `*next` if there is one.
    fn recv_locked(&self, tail: &mut Tail<T>, next: &mut u64) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let cap = self.capacity();
        let slot = &mut tail.buffer[(*next & self.mask as u64) as usize];
        if slot.pos != *next {
            if slot.pos.wrapping_add(cap) == *next {
                // The slot still holds the previous lap: nothing new for us.
                return Err(if tail.closed {
                    TryRecvError::Closed
                } else {
                    TryRecvError::Empty
                });
            }
            // Overwritten: skip to the oldest value still held.
            let oldest = tail.pos.wrapping_sub(cap);
            let missed = oldest.wrapping_sub(*next);
            *next = oldest;
            return Err(TryRecvError::Lagged(missed));
        }
        *next = next.wrapping_add(1);
        slot.rem -= 1;
        if slot.rem == 0 {
            // Last reader: move the value out instead of cloning it.
            return Ok(slot.val.take().expect("an unread slot holds its value"));
        }
        Ok(slot.val.clone().expect("an unread slot holds its value"))
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
            .map(|i| Slot {
                pos: (i as u64).wrapping_sub(cap as u64),
                rem: 0,
                val: None,
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                tail: Mutex::new(Tail {
                    pos: 0,
                    rx_cnt: 0,
                    closed: false,
                    buffer,
                    waiters: LinkedList::new(),
                }),
                mask: cap - 1,
                tx_cnt: AtomicUsize::new(1),
                weak_cnt: AtomicUsize::new(0),
                notify_closed: Notify::new(),
            }),
        }
    }

    /// Sends `value` to every current receiver; returns how many there are. Fails, giving
    /// the value back, if there is none. Never waits: a full ring overwrites the oldest
    /// value, and receivers that had not read it see `Lagged`.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut tail = self.shared.tail.lock();
        if tail.rx_cnt == 0 {
            return Err(SendError(value));
        }
        let pos = tail.pos;
        let rx_cnt = tail.rx_cnt;
        let slot = &mut tail.buffer[(pos & self.shared.mask as u64) as usize];
        slot.pos = pos;
        slot.rem = rx_cnt;
        let old = slot.val.replace(value);
        tail.pos = pos.wrapping_add(1);
        wake_all(tail);
        drop(old);
        Ok(rx_cnt)
    }

    /// Makes a receiver that sees values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        let mut tail = self.shared.tail.lock();
        assert!(
            tail.rx_cnt != usize::MAX,
            "broadcast receiver count overflow"
        );
        tail.rx_cnt += 1;
        let next = tail.pos;
        drop(tail);
        Receiver {
            shared: self.shared.clone(),
            next,
        }
    }

    /// Returns the number of values some receiver has yet to read (at most the ring size).
    pub fn len(&self) -> usize {
        let tail = self.shared.tail.lock();
        let cap = self.shared.capacity();
        let start = tail.pos.saturating_sub(cap);
        (start..tail.pos)
            .filter(|p| {
                let slot = &tail.buffer[(p & self.shared.mask as u64) as usize];
                slot.pos == *p && slot.rem > 0
            })
            .count()
    }

    /// Returns `true` if every receiver has read every value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the number of receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.tail.lock().rx_cnt
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

/// Wakes every waiting receiver, then releases the lock.
fn wake_all<T>(mut tail: MutexGuard<'_, Tail<T>>) {
    let mut wakers = WakeList::new();
    while let Some(node) = tail.waiters.pop_front() {
        // SAFETY: the node was a member, so its `Recv` future is alive (it unlinks itself
        // under this lock before going away); the lock is held.
        let waiter = unsafe { node.as_ref() };
        // SAFETY: the waiter's cells are only accessed under the lock we hold.
        unsafe {
            waiter.queued.with_mut(|q| *q = false);
            if let Some(w) = waiter.waker.with_mut(|w| (*w).take()) {
                wakers.push_spill(w);
            }
        }
    }
    drop(tail);
    wakers.wake_all();
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
            let mut tail = self.shared.tail.lock();
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
            waiter: Waiter {
                pointers: Pointers::new(),
                waker: UnsafeCell::new(None),
                queued: UnsafeCell::new(false),
                _pin: PhantomPinned,
            },
            registered: false,
        }
        .await
    }

    /// Takes the next value if there is one, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut tail = self.shared.tail.lock();
        self.shared.recv_locked(&mut tail, &mut self.next)
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
        let tail = self.shared.tail.lock();
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
        let mut tail = self.shared.tail.lock();
        tail.rx_cnt += 1;
        let next = tail.pos;
        drop(tail);
        Receiver {
            shared: self.shared.clone(),
            next,
        }
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
        let mut tail = self.shared.tail.lock();
        tail.rx_cnt -= 1;
        let last = tail.rx_cnt == 0;
        // Unread values no longer wait for us; drop the ones nobody else needs.
        let cap = self.shared.capacity();
        let start = self.next.max(tail.pos.saturating_sub(cap));
        let mut dropped = Vec::new();
        for p in start..tail.pos {
            let slot = &mut tail.buffer[(p & self.shared.mask as u64) as usize];
            if slot.pos == p && slot.rem > 0 {
                slot.rem -= 1;
                if slot.rem == 0 {
                    dropped.extend(slot.val.take());
                }
            }
        }
        drop(tail);
        drop(dropped);
        if last {
            self.shared.notify_closed.notify_waiters();
        }
    }
}

/// The future behind [`Receiver::recv`].
struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    waiter: Waiter,
    /// The waiter was linked and may still be: `drop` must check under the lock.
    registered: bool,
}

// SAFETY: the waiter is only touched under the channel's lock; the receiver is `Send` when
// `T` is.
unsafe impl<T: Send> Send for Recv<'_, T> {}
// SAFETY: `&Recv` exposes nothing.
unsafe impl<T: Send> Sync for Recv<'_, T> {}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = ready!(crate::hooks::poll_proceed(cx));
        // SAFETY: nothing is moved out of the pinned future; the waiter stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let shared = &*this.receiver.shared;
        let mut tail = shared.tail.lock();
        let res = match shared.recv_locked(&mut tail, &mut this.receiver.next) {
            Ok(v) => Ok(v),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Empty) => {
                // SAFETY: the waiter's cells are only accessed under the lock we hold.
                unsafe {
                    this.waiter.waker.with_mut(|w| match &mut *w {
                        Some(old) if old.will_wake(cx.waker()) => {}
                        slot => *slot = Some(cx.waker().clone()),
                    });
                    if !this.waiter.queued.with(|q| *q) {
                        this.waiter.queued.with_mut(|q| *q = true);
                        tail.waiters.push_back(NonNull::from(&this.waiter));
                    }
                }
                this.registered = true;
                return Poll::Pending;
            }
        };
        if this.registered {
            // SAFETY: the waiter's cells and the list are only accessed under the lock we
            // hold; a queued waiter is a member of this list.
            unsafe {
                if this.waiter.queued.with(|q| *q) {
                    this.waiter.queued.with_mut(|q| *q = false);
                    tail.waiters.remove(NonNull::from(&this.waiter));
                }
            }
            this.registered = false;
        }
        drop(tail);
        coop.made_progress();
        Poll::Ready(res)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if !self.registered {
            return;
        }
        let mut tail = self.receiver.shared.tail.lock();
        // SAFETY: the waiter's cells and the list are only accessed under the lock we hold;
        // a queued waiter is a member of this list.
        unsafe {
            if self.waiter.queued.with(|q| *q) {
                tail.waiters.remove(NonNull::from(&self.waiter));
            }
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
