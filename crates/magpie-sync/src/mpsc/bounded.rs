//! The bounded flavour: a semaphore of free slots in front of the shared queue.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::chan::Chan;
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::batch_semaphore::{TryAcquireError, MAX_PERMITS};
use crate::loom::sync::Arc;

/// Sends values to a bounded channel; clone it for more producers. Made by [`channel`].
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to
/// send.
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

/// Receives values from a bounded channel. Made by [`channel`].
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

/// A reserved slot: [`send`](Permit::send) fills it without waiting; dropping it frees it.
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

/// A reserved slot that owns its sender; see [`Sender::reserve_owned`].
pub struct OwnedPermit<T> {
    chan: Option<Arc<Chan<T>>>,
}

/// Several reserved slots, yielding one [`Permit`] each; see [`Sender::reserve_many`].
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T>,
    n: usize,
}

/// Creates a bounded channel holding up to `buffer` queued values.
///
/// # Panics
///
/// If `buffer` is 0 ("mpsc bounded channel requires buffer > 0") or larger than the
/// semaphore's `MAX_PERMITS`.
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(buffer <= MAX_PERMITS, "requested buffer size too large");
    let chan = Arc::new(Chan::new(buffer));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

impl<T> Sender<T> {
    /// Waits for a free slot, then queues `value`; gives it back if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropping the future drops `value` and the place in the queue of
    /// waiting senders. [`reserve`](Self::reserve) is cancel safe.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.reserve().await {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Queues `value` if a slot is free now, without waiting.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan.sem.try_acquire(1) {
            Ok(()) => {
                self.chan.push(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Like [`send`](Self::send), but gives up after `timeout`.
    ///
    /// # Panics
    ///
    /// When awaited without a timer installed (magpie installs one; see
    /// [`hooks::set_sleep_hook`](crate::hooks::set_sleep_hook)).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, as [`send`](Self::send).
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        let mut sleep = crate::hooks::sleep(timeout);
        let mut reserve = pin!(self.reserve());
        let res = poll_fn(|cx| {
            if let Poll::Ready(r) = reserve.as_mut().poll(cx) {
                return Poll::Ready(Some(r));
            }
            sleep.poll(cx).map(|()| None)
        })
        .await;
        match res {
            Some(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Some(Err(_)) => Err(SendTimeoutError::Closed(value)),
            None => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Sends from synchronous code, blocking the thread while the channel is full.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::block::block_on(self.send(value))
    }

    /// Waits for a free slot and reserves it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a slot granted to a dropped future goes to the next waiting sender.
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        match self.chan.acquire_slots(1).await {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Waits for `n` free slots and reserves them all.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`reserve`](Self::reserve).
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.chan.bound {
            return Err(SendError(()));
        }
        match self.chan.acquire_slots(n).await {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Reserves `n` slots if they are free now.
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.chan.bound {
            return Err(TrySendError::Full(()));
        }
        match self.chan.sem.try_acquire(n) {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Waits for a free slot, reserving it in a permit that owns this sender.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`reserve`](Self::reserve).
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        match self.chan.acquire_slots(1).await {
            Ok(()) => Ok(OwnedPermit {
                chan: Some(self.into_chan()),
            }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Reserves a free slot now, without waiting.
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.chan.sem.try_acquire(1) {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Reserves a free slot now in a permit owning this sender; gives the sender back on
    /// failure.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.chan.sem.try_acquire(1) {
            Ok(()) => Ok(OwnedPermit {
                chan: Some(self.into_chan()),
            }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(self)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(self)),
        }
    }

    /// Waits until the receiver is dropped or closes the channel.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Returns `true` if the receiver was dropped or closed the channel.
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Returns `true` if both senders send to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// Returns the number of free slots now.
    pub fn capacity(&self) -> usize {
        self.chan.sem.available_permits()
    }

    /// Returns the channel's capacity, the `buffer` it was created with.
    pub fn max_capacity(&self) -> usize {
        self.chan.bound
    }

    /// Makes a [`WeakSender`] that does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan.add_weak();
        WeakSender {
            chan: self.chan.clone(),
        }
    }

    /// Returns the number of live `Sender`s (and `OwnedPermit`s).
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of live `WeakSender`s.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }

    fn into_chan(self) -> Arc<Chan<T>> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out once; the
        // strong count it stands for moves with it.
        unsafe { std::ptr::read(&this.chan) }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> WeakSender<T> {
    /// Returns a [`Sender`] unless every sender is already gone.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().then(|| Sender {
            chan: self.chan.clone(),
        })
    }

    /// Returns the number of live `Sender`s.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of live `WeakSender`s.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_weak();
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> Receiver<T> {
    /// Receives the next value; `None` once the channel is closed and drained.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no value is lost if the future is dropped.
    pub async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Receives up to `limit` values into `buffer`, waiting for at least one; returns how
    /// many it added, 0 once the channel is closed and drained (or if `limit` is 0).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
    }

    /// Takes the next value if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::block::block_on(self.recv())
    }

    /// [`recv_many`](Self::recv_many) from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::block::block_on(self.recv_many(buffer, limit))
    }

    /// Closes the channel: sends fail from now on, but queued values (and values sent
    /// through slots reserved before) can still be received.
    pub fn close(&mut self) {
        self.chan.close_rx();
    }

    /// Returns `true` once no more values can be sent: every sender is gone or the receiver
    /// closed the channel.
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed() || self.chan.strong_count() == 0
    }

    /// Returns `true` if no value is queued.
    pub fn is_empty(&self) -> bool {
        self.chan.len() == 0
    }

    /// Returns the number of queued values.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Returns the number of free slots now.
    pub fn capacity(&self) -> usize {
        self.chan.sem.available_permits()
    }

    /// Returns the channel's capacity.
    pub fn max_capacity(&self) -> usize {
        self.chan.bound
    }

    /// Polls for the next value; `Ready(None)` once the channel is closed and drained.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` values into `buffer`; see [`recv_many`](Self::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.chan.poll_recv_many(cx, buffer, limit)
    }

    /// Returns the number of live `Sender`s.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Returns the number of live `WeakSender`s.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_rx();
    }
}

impl<'a, T> Permit<'a, T> {
    /// Queues `value` in the reserved slot.
    pub fn send(self, value: T) {
        let chan = self.chan;
        std::mem::forget(self);
        chan.push(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release_slots(1);
    }
}

impl<T> OwnedPermit<T> {
    /// Queues `value` in the reserved slot and gives the sender back.
    pub fn send(mut self, value: T) -> Sender<T> {
        let chan = self
            .chan
            .take()
            .expect("OwnedPermit holds its channel until consumed");
        chan.push(value);
        Sender { chan }
    }

    /// Frees the reserved slot without sending and gives the sender back.
    pub fn release(mut self) -> Sender<T> {
        let chan = self
            .chan
            .take()
            .expect("OwnedPermit holds its channel until consumed");
        chan.release_slots(1);
        Sender { chan }
    }

    /// Returns `true` if both send to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Returns `true` if this permit reserves a slot in `sender`'s channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.chan
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, &sender.chan))
    }

    /// Returns the channel's capacity.
    pub fn max_capacity(&self) -> usize {
        self.chan.as_ref().map_or(0, |c| c.bound)
    }

    /// Returns the number of free slots now.
    pub fn capacity(&self) -> usize {
        self.chan.as_ref().map_or(0, |c| c.sem.available_permits())
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(chan) = self.chan.take() {
            chan.release_slots(1);
            // The permit held a sender: drop it like one.
            drop(Sender { chan });
        }
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.chan.release_slots(self.n);
            self.n = 0;
        }
    }
}

macro_rules! debug_named {
    ($($name:literal => $ty:ty,)*) => {$(
        impl<T> fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct($name).finish_non_exhaustive()
            }
        }
    )*};
}

debug_named! {
    "Sender" => Sender<T>,
    "WeakSender" => WeakSender<T>,
    "Receiver" => Receiver<T>,
    "Permit" => Permit<'_, T>,
    "OwnedPermit" => OwnedPermit<T>,
    "PermitIterator" => PermitIterator<'_, T>,
}
