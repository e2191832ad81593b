//! A cell written once, possibly by an asynchronous initialiser.
//!
//! A one-permit semaphore serialises initialisers: the task holding the permit runs its
//! initialiser while the others wait in FIFO order; on success the semaphore is closed
//! (which wakes every waiter to find the value), on failure or cancellation the permit
//! passes to the next waiter.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

use crate::batch_semaphore::{RawSemaphore, TryAcquireError};
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};

/// A thread-safe cell that can be written to only once, with async initialisation.
///
/// # Examples
///
/// ```
/// use magpie_sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// # futures::executor::block_on(async {
/// let v = CONFIG.get_or_init(|| async { String::from("loaded") }).await;
/// assert_eq!(v, "loaded");
/// assert_eq!(CONFIG.get().map(String::as_str), Some("loaded"));
/// # });
/// ```
pub struct OnceCell<T> {
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    semaphore: RawSemaphore,
}

/// Error of [`OnceCell::set`]; the value comes back.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell was already initialised.
    AlreadyInitializedError(T),
    /// Another task is initialising the cell right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Returns `true` if the cell was already initialised.
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Returns `true` if another task was initialising the cell.
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

// SAFETY: the value is written once, by the permit holder, before `value_set` is published
// with Release; readers only read after observing it with Acquire. Sharing hands out `&T`
// across threads (needs `Sync`) and lets any thread write it (needs `Send`).
unsafe impl<T: Sync + Send> Sync for OnceCell<T> {}
// SAFETY: the cell owns its `T`.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Gives the initialisation permit back unless the value was set.
struct PermitGuard<'a>(&'a RawSemaphore);

impl Drop for PermitGuard<'_> {
    fn drop(&mut self) {
        self.0.release(1);
    }
}

impl<T> OnceCell<T> {
    /// Creates an empty cell.
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: RawSemaphore::new(1),
        }
    }

    /// Creates an empty cell in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: RawSemaphore::const_new(1),
        }
    }

    /// Creates a cell holding `value` if it is `Some`.
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        match value {
            Some(v) => OnceCell::from(v),
            None => OnceCell::new(),
        }
    }

    /// Creates an initialised cell in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: RawSemaphore::const_new_closed(),
        }
    }

    /// Returns `true` once the cell holds a value.
    pub fn initialized(&self) -> bool {
        self.value_set.load(Acquire)
    }

    /// Returns the value if the cell is initialised.
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: `value_set` was observed with Acquire, so the write is visible, and the
            // value is never written again while shared.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    /// Returns a mutable reference to the value if the cell is initialised.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if self.initialized() {
            // SAFETY: initialised (see `get`), and `&mut self` makes the access unique.
            Some(unsafe { self.value.get_mut().assume_init_mut() })
        } else {
            None
        }
    }

    /// Writes `value` into the permit holder's empty cell and closes the semaphore.
    fn publish(&self, value: T, permit: PermitGuard<'_>) -> &T {
        // SAFETY: we hold the only permit and the cell is empty, so no one else reads or
        // writes the value now.
        unsafe { (*self.value.get()).write(value) };
        self.value_set.store(true, Release);
        // Closing wakes every waiting initialiser, which then finds the value.
        self.semaphore.close();
        std::mem::forget(permit);
        self.get().expect("just initialised")
    }

    /// Sets the value if the cell is empty and nobody is initialising it.
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire(1) {
            Ok(()) => {
                self.publish(value, PermitGuard(&self.semaphore));
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// Returns the value, running `f` to produce it if the cell is empty. Concurrent callers
    /// wait for one initialiser at a time.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the initialising future is dropped, the next waiting caller runs its
    /// own initialiser.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        if let Some(v) = self.get() {
            return v;
        }
        match self.semaphore.acquire(1).await {
            Ok(()) => {
                let permit = PermitGuard(&self.semaphore);
                let value = f().await;
                self.publish(value, permit)
            }
            // Closed: another initialiser succeeded.
            Err(_) => self
                .get()
                .expect("a closed OnceCell semaphore means a value is set"),
        }
    }

    /// Returns the value, running the fallible `f` if the cell is empty; an error leaves the
    /// cell empty for the next caller.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`get_or_init`](Self::get_or_init).
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        match self.semaphore.acquire(1).await {
            Ok(()) => {
                let permit = PermitGuard(&self.semaphore);
                let value = f().await?;
                Ok(self.publish(value, permit))
            }
            Err(_) => Ok(self
                .get()
                .expect("a closed OnceCell semaphore means a value is set")),
        }
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }

    /// Consumes the cell, returning its value if initialised.
    pub fn into_inner(mut self) -> Option<T> {
        if !self.initialized() {
            return None;
        }
        // Marked empty first, so `Drop` does not drop the value we move out.
        self.value_set.store(false, Relaxed);
        // SAFETY: initialised, and `&mut`-owned `self` is dropped right after without
        // touching the value again.
        Some(unsafe { self.value.get_mut().assume_init_read() })
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        if self.initialized() {
            // SAFETY: initialised, and this is the last use of the value.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: RawSemaphore::new_closed(),
        }
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> OnceCell<T> {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}
