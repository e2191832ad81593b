//! A single-producer (clonable), multi-consumer channel that keeps only the latest value.
//!
//! The value sits behind a reader-writer lock next to a version counter that is bumped
//! while the write lock is held, so a receiver reading the version under the read lock sees
//! the version of exactly the value it reads. Receivers wait on a [`Notify`] with
//! `notify_waiters`, which reaches every `Notified` created before a send.

use std::fmt;
use std::ops::Deref;

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, RwLock, RwLockReadGuard};
use crate::notify::Notify;

/// Errors of the `watch` channel.
pub mod error {
    use std::fmt;

    /// Every receiver is gone; the value that was not sent comes back.
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

    /// Every sender is gone.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

const CLOSED: usize = 1;
const VERSION_INC: usize = 2;

struct Shared<T> {
    value: RwLock<T>,
    /// `version * 2 | CLOSED`; the version only changes under the value's write lock.
    state: AtomicUsize,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Receivers waiting for a change or for the senders to go.
    notify_rx: Notify,
    /// Senders waiting for every receiver to go.
    notify_tx: Notify,
}

/// Sends values; made by [`channel`] (or [`Sender::new`]).
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives the latest value; clone it for more consumers.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    version: usize,
}

/// A borrow of the channel's current value; holds a read lock, so keep it short (and do
/// not hold it across `.await`).
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

/// Creates a watch channel holding `init`; the receiver considers `init` seen.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, mut rx) = magpie_sync::watch::channel("hello");
/// tx.send("world").unwrap();
/// rx.changed().await.unwrap();
/// assert_eq!(*rx.borrow_and_update(), "world");
/// # });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        rx_count: AtomicUsize::new(1),
        tx_count: AtomicUsize::new(1),
        notify_rx: Notify::new(),
        notify_tx: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, version: 0 },
    )
}

impl<T> Shared<T> {
    fn version(&self) -> usize {
        self.state.load(Acquire) & !CLOSED
    }

    /// Waits for a version other than `*seen` and records it; `Err` once closed with no
    /// unseen version left.
    async fn changed(&self, seen: &mut usize) -> Result<(), RecvError> {
        loop {
            let notified = self.notify_rx.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the check, so a send right after it still wakes us.
            notified.as_mut().enable();
            let state = self.state.load(Acquire);
            let version = state & !CLOSED;
            if version != *seen {
                *seen = version;
                return Ok(());
            }
            if state & CLOSED != 0 {
                return Err(RecvError(()));
            }
            notified.await;
        }
    }
}

impl<'a, T> Ref<'a, T> {
    /// Returns `true` if the value was not yet seen by the receiver when it was borrowed.
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Receiver<T> {
    /// Borrows the current value without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        let inner = self.shared.value.read();
        let has_changed = self.shared.version() != self.version;
        Ref { inner, has_changed }
    }

    /// Borrows the current value and marks it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let inner = self.shared.value.read();
        let version = self.shared.version();
        let has_changed = version != self.version;
        self.version = version;
        Ref { inner, has_changed }
    }

    /// Returns `true` if a value not yet seen is available; `Err` once every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(Acquire);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state & !CLOSED != self.version)
    }

    /// Returns `true` once every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.state.load(Acquire) & CLOSED != 0
    }

    /// Marks the current value as not seen, so `changed` completes at once.
    pub fn mark_changed(&mut self) {
        self.version = self.shared.version().wrapping_sub(VERSION_INC);
    }

    /// Marks the current value as seen.
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.version();
    }

    /// Waits for a value not yet seen and marks it seen; `Err` once every sender is gone
    /// and no unseen value is left.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        crate::hooks::cooperative(self.shared.changed(&mut self.version)).await
    }

    /// Waits until the value satisfies `f` (checking the current value first), marks it
    /// seen and returns a borrow of it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        let shared = &*self.shared;
        let seen = &mut self.version;
        crate::hooks::cooperative(async move {
            loop {
                {
                    let inner = shared.value.read();
                    let version = shared.version();
                    let has_changed = version != *seen;
                    *seen = version;
                    if f(&inner) {
                        return Ok(Ref { inner, has_changed });
                    }
                }
                // `Err` only when no unseen value is left, and the last one was just checked.
                shared.changed(seen).await?;
            }
        })
        .await
    }

    /// Returns `true` if both receivers watch the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.rx_count.fetch_add(1, Relaxed);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T> Sender<T> {
    /// Creates a sender with no receivers; [`subscribe`](Self::subscribe) makes them.
    pub fn new(init: T) -> Sender<T> {
        let (tx, rx) = channel(init);
        drop(rx);
        tx
    }

    /// Replaces the value and notifies receivers; fails (giving the value back, unstored)
    /// if there is no receiver.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.rx_count.load(Acquire) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies receivers, even with no receiver.
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Modifies the value in place; notifies receivers only if `modify` returns `true`.
    /// Returns what `modify` returned.
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        {
            let mut value = self.shared.value.write();
            if !modify(&mut value) {
                return false;
            }
            // Bumped under the write lock: readers see the version of the value they read.
            self.shared.state.fetch_add(VERSION_INC, Release);
        }
        self.shared.notify_rx.notify_waiters();
        true
    }

    /// Replaces the value, notifies receivers (even with none) and returns the old value.
    pub fn send_replace(&self, value: T) -> T {
        let mut value = Some(value);
        let mut old = None;
        self.send_if_modified(|v| {
            old = Some(std::mem::replace(v, value.take().expect("called once")));
            true
        });
        old.expect("send_if_modified ran the closure")
    }

    /// Borrows the current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// Returns `true` if every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.rx_count.load(Acquire) == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        crate::hooks::cooperative(async {
            loop {
                let notified = self.shared.notify_tx.notified();
                let mut notified = std::pin::pin!(notified);
                notified.as_mut().enable();
                if self.is_closed() {
                    return;
                }
                notified.await;
            }
        })
        .await
    }

    /// Makes a new receiver that considers the current value seen.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.rx_count.fetch_add(1, Relaxed);
        let _value = self.shared.value.read();
        Receiver {
            shared: self.shared.clone(),
            version: self.shared.version(),
        }
    }

    /// Returns the number of receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(Acquire)
    }

    /// Returns the number of senders.
    pub fn sender_count(&self) -> usize {
        self.shared.tx_count.load(Acquire)
    }

    /// Returns `true` if both senders send to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.state.fetch_or(CLOSED, Release);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("value", &*self.borrow())
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("value", &*self.borrow())
            .field("version", &self.version)
            .finish()
    }
}
