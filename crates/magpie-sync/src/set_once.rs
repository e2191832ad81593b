//! A cell set once, that tasks can wait on until it is set.

use std::cell::UnsafeCell;
use std::fmt;
use std::mem::MaybeUninit;

use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Mutex;
use crate::notify::Notify;

/// A thread-safe cell that is set once (by [`set`](SetOnce::set)) and can be awaited until
/// then with [`wait`](SetOnce::wait).
///
/// # Examples
///
/// ```
/// use magpie_sync::SetOnce;
///
/// # futures::executor::block_on(async {
/// let cell = SetOnce::new();
/// cell.set(3).unwrap();
/// assert_eq!(*cell.wait().await, 3);
/// assert!(cell.set(4).is_err());
/// # });
/// ```
pub struct SetOnce<T> {
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    /// Serialises setters; readers never take it.
    lock: Mutex<()>,
    notify: Notify,
}

/// The cell was already set; the value comes back.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> std::error::Error for SetOnceError<T> {}

// SAFETY: the value is written once under `lock`, before `value_set` is published with
// Release; readers read only after observing it with Acquire.
unsafe impl<T: Sync + Send> Sync for SetOnce<T> {}
// SAFETY: the cell owns its `T`.
unsafe impl<T: Send> Send for SetOnce<T> {}

impl<T> SetOnce<T> {
    /// Creates an empty cell.
    pub fn new() -> SetOnce<T> {
        SetOnce {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            lock: Mutex::new(()),
            notify: Notify::new(),
        }
    }

    /// Creates an empty cell in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            lock: Mutex::new(()),
            notify: Notify::const_new(),
        }
    }

    /// Creates a cell holding `value` if it is `Some`.
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        let cell = SetOnce::new();
        if let Some(v) = value {
            let _ = cell.set(v);
        }
        cell
    }

    /// Creates a set cell in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            lock: Mutex::new(()),
            notify: Notify::const_new(),
        }
    }

    /// Returns `true` once the cell is set.
    pub fn initialized(&self) -> bool {
        self.value_set.load(Acquire)
    }

    /// Returns the value if the cell is set.
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: observed set with Acquire; the value is never written again.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    /// Sets the value and wakes every waiter; fails if the cell is already set.
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        {
            let _guard = self.lock.lock();
            if self.initialized() {
                return Err(SetOnceError(value));
            }
            // SAFETY: not set, and setters are serialised by the lock we hold, so nobody
            // reads or writes the value now.
            unsafe { (*self.value.get()).write(value) };
            self.value_set.store(true, Release);
        }
        self.notify.notify_waiters();
        Ok(())
    }

    /// Waits until the cell is set and returns the value.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait(&self) -> &T {
        loop {
            if let Some(v) = self.get() {
                return v;
            }
            let notified = self.notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if let Some(v) = self.get() {
                return v;
            }
            notified.await;
        }
    }

    /// Consumes the cell, returning its value if set.
    pub fn into_inner(mut self) -> Option<T> {
        if !self.initialized() {
            return None;
        }
        self.value_set.store(false, Relaxed);
        // SAFETY: set, and marked unset so `Drop` does not drop the value moved out here.
        Some(unsafe { self.value.get_mut().assume_init_read() })
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        if self.initialized() {
            // SAFETY: set, and this is the last use of the value.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> SetOnce<T> {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> SetOnce<T> {
        SetOnce::new_with(Some(value))
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> SetOnce<T> {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &SetOnce<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}
