//! An asynchronous reader-writer lock: fair, write-preferring, built on the FIFO semaphore.
//!
//! A reader takes one permit, a writer all `max_readers` of them; the semaphore's strict
//! FIFO order means a waiting writer holds back readers that arrive after it, so writers are
//! never starved, and readers queued behind a writer all proceed together once it is done.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::batch_semaphore::RawSemaphore;
use crate::mutex::TryLockError;

/// The most concurrent readers a `RwLock` may allow (and the default).
const MAX_READS: u32 = u32::MAX >> 3;

/// An asynchronous reader-writer lock.
///
/// Any number of readers or one writer hold it at a time. Waiting tasks are served first
/// in, first out, so a writer is never starved by a stream of readers.
///
/// # Examples
///
/// ```
/// use magpie_sync::RwLock;
///
/// # futures::executor::block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await;
///     assert_eq!(*r1 + *r2, 10);
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    mr: u32,
    s: RawSemaphore,
    c: UnsafeCell<T>,
}

/// Shared access to a [`RwLock`]'s value.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    s: &'a RawSemaphore,
    data: *const T,
    marker: PhantomData<&'a T>,
}

/// Exclusive access to a [`RwLock`]'s value.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    permits: u32,
    s: &'a RawSemaphore,
    data: *mut T,
    marker: PhantomData<&'a mut T>,
}

/// Exclusive access to a part of a [`RwLock`]'s value, made by [`RwLockWriteGuard::map`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    permits: u32,
    s: &'a RawSemaphore,
    data: *mut T,
    marker: PhantomData<&'a mut T>,
}

/// Shared access through an `Arc<RwLock<T>>`, possibly mapped to a part `U`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *const U,
}

/// Exclusive access through an `Arc<RwLock<T>>`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    permits: u32,
    lock: Arc<RwLock<T>>,
    data: *mut T,
}

/// Exclusive access to a part `U` through an `Arc<RwLock<T>>`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    permits: u32,
    lock: Arc<RwLock<T>>,
    data: *mut U,
}

// SAFETY: the lock hands out `&T` to many threads or `&mut T` to one at a time.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as above; shared readers need `T: Sync`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}
// SAFETY: a read guard is a `&T`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: a read guard is a `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: an owned read guard is a `&U` plus an `Arc<RwLock<T>>`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedRwLockReadGuard<T, U> {}
// SAFETY: a write guard is a `&mut T`, which may downgrade to a shared `&T`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: a mapped write guard is a `&mut T`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: an owned write guard is a `&mut T` plus an `Arc<RwLock<T>>`.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: an owned mapped write guard is a `&mut U` plus an `Arc<RwLock<T>>`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

impl<T> RwLock<T> {
    /// Creates an unlocked `RwLock`.
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            mr: MAX_READS,
            s: RawSemaphore::new(MAX_READS as usize),
            c: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked `RwLock` allowing at most `max_reads` concurrent readers.
    ///
    /// # Panics
    ///
    /// If `max_reads` is 0 or above `u32::MAX >> 3`.
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        // tokio's messages, word for word.
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers"
        );
        RwLock {
            mr: max_reads,
            s: RawSemaphore::new(max_reads as usize),
            c: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked `RwLock` in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock {
            mr: MAX_READS,
            s: RawSemaphore::const_new(MAX_READS as usize),
            c: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked `RwLock` with a reader limit in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        // tokio's message for 0; a const panic cannot format, so the bound is spelled out.
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than u32::MAX >> 3 readers"
        );
        RwLock {
            mr: max_reads,
            s: RawSemaphore::const_new(max_reads as usize),
            c: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock, returning its value.
    pub fn into_inner(self) -> T {
        self.c.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    async fn acquire(&self, permits: u32) {
        if self.s.acquire(permits as usize).await.is_err() {
            unreachable!("a RwLock's semaphore is never closed");
        }
    }

    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            s: &self.s,
            data: self.c.get(),
            marker: PhantomData,
        }
    }

    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            permits: self.mr,
            s: &self.s,
            data: self.c.get(),
            marker: PhantomData,
        }
    }

    /// Waits for shared access. Queues behind any writer that waits already.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place; access granted to it passes on.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        self.read_guard()
    }

    /// Waits for shared access through the `Arc`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`read`](Self::read).
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        let data = self.c.get() as *const T;
        OwnedRwLockReadGuard { lock: self, data }
    }

    /// Takes shared access if it is free now and no writer waits.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => Ok(self.read_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Takes shared access through the `Arc` if it is free now.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match self.s.try_acquire(1) {
            Ok(()) => {
                let data = self.c.get() as *const T;
                Ok(OwnedRwLockReadGuard { lock: self, data })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Waits for shared access from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        crate::block::block_on(self.read())
    }

    /// Waits for exclusive access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future gives up its place; access granted to it passes on.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.mr).await;
        self.write_guard()
    }

    /// Waits for exclusive access through the `Arc`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`write`](Self::write).
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.mr).await;
        let data = self.c.get();
        OwnedRwLockWriteGuard {
            permits: self.mr,
            lock: self,
            data,
        }
    }

    /// Takes exclusive access if the lock is free now.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.s.try_acquire(self.mr as usize) {
            Ok(()) => Ok(self.write_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Takes exclusive access through the `Arc` if the lock is free now.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        match self.s.try_acquire(self.mr as usize) {
            Ok(()) => {
                let data = self.c.get();
                Ok(OwnedRwLockWriteGuard {
                    permits: self.mr,
                    lock: self,
                    data,
                })
            }
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Waits for exclusive access from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        crate::block::block_on(self.write())
    }

    /// Returns a mutable reference to the value; `&mut self` proves nobody holds the lock.
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the value.
    #[inline]
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(this: Self, f: F) -> RwLockReadGuard<'a, U> {
        let data = f(&*this) as *const U;
        let this = ManuallyDrop::new(this);
        RwLockReadGuard {
            s: this.s,
            data,
            marker: PhantomData,
        }
    }

    /// Narrows the guard if `f` finds a part; otherwise gives the guard back.
    #[inline]
    pub fn try_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockReadGuard {
            s: this.s,
            data,
            marker: PhantomData,
        })
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the value.
    #[inline]
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let data = f(&mut *this) as *mut U;
        let this = ManuallyDrop::new(this);
        RwLockMappedWriteGuard {
            permits: this.permits,
            s: this.s,
            data,
            marker: PhantomData,
        }
    }

    /// Narrows the guard if `f` finds a part; otherwise gives the guard back.
    #[inline]
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockMappedWriteGuard {
            permits: this.permits,
            s: this.s,
            data,
            marker: PhantomData,
        })
    }

    /// Turns the guard into a mapped guard of the whole value.
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |v| v)
    }

    /// Downgrades to shared access to a part of the value, atomically.
    pub fn downgrade_map<U: ?Sized, F: FnOnce(&T) -> &U>(
        this: Self,
        f: F,
    ) -> RwLockReadGuard<'a, U> {
        let data = f(&*this) as *const U;
        let read = this.downgrade();
        let read = ManuallyDrop::new(read);
        RwLockReadGuard {
            s: read.s,
            data,
            marker: PhantomData,
        }
    }

    /// Downgrades to shared access to a part of the value if `f` finds one; otherwise
    /// gives the write guard back, still exclusive.
    pub fn try_downgrade_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let read = ManuallyDrop::new(this.downgrade());
        Ok(RwLockReadGuard {
            s: read.s,
            data,
            marker: PhantomData,
        })
    }

    /// Atomically turns exclusive access into shared access: no writer can get in between.
    /// Readers waiting behind this writer may proceed at once.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let this = ManuallyDrop::new(self);
        this.s.release(this.permits as usize - 1);
        RwLockReadGuard {
            s: this.s,
            data: this.data,
            marker: PhantomData,
        }
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows the guard further.
    #[inline]
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let data = f(&mut *this) as *mut U;
        let this = ManuallyDrop::new(this);
        RwLockMappedWriteGuard {
            permits: this.permits,
            s: this.s,
            data,
            marker: PhantomData,
        }
    }

    /// Narrows the guard further if `f` finds a part; otherwise gives the guard back.
    #[inline]
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockMappedWriteGuard {
            permits: this.permits,
            s: this.s,
            data,
            marker: PhantomData,
        })
    }
}

/// Moves the `Arc` out of a guard that is being consumed without unlocking.
fn take_arc<T: ?Sized>(lock: &ManuallyDrop<impl Sized>, field: &Arc<RwLock<T>>) -> Arc<RwLock<T>> {
    let _ = lock;
    // SAFETY: callers pass a field of a guard wrapped in `ManuallyDrop` that is never used or
    // dropped again, so the `Arc` is moved out exactly once.
    unsafe { std::ptr::read(field) }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the guard to a part of the value.
    #[inline]
    pub fn map<V: ?Sized, F: FnOnce(&U) -> &V>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V> {
        let data = f(&*this) as *const V;
        let this = ManuallyDrop::new(this);
        let lock = take_arc(&this, &this.lock);
        OwnedRwLockReadGuard { lock, data }
    }

    /// Narrows the guard if `f` finds a part; otherwise gives the guard back.
    #[inline]
    pub fn try_map<V: ?Sized, F: FnOnce(&U) -> Option<&V>>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, V>, Self> {
        let data = match f(&*this) {
            Some(data) => data as *const V,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        let lock = take_arc(&this, &this.lock);
        Ok(OwnedRwLockReadGuard { lock, data })
    }

    /// Returns the lock this guard reads.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Narrows the guard to a part of the value.
    #[inline]
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, U> {
        let data = f(&mut *this) as *mut U;
        let this = ManuallyDrop::new(this);
        let lock = take_arc(&this, &this.lock);
        OwnedRwLockMappedWriteGuard {
            permits: this.permits,
            lock,
            data,
        }
    }

    /// Narrows the guard if `f` finds a part; otherwise gives the guard back.
    #[inline]
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self> {
        let data = match f(&mut *this) {
            Some(data) => data as *mut U,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        let lock = take_arc(&this, &this.lock);
        Ok(OwnedRwLockMappedWriteGuard {
            permits: this.permits,
            lock,
            data,
        })
    }

    /// Turns the guard into a mapped guard of the whole value.
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |v| v)
    }

    /// Downgrades to shared access to a part of the value, atomically.
    pub fn downgrade_map<U: ?Sized, F: FnOnce(&T) -> &U>(
        this: Self,
        f: F,
    ) -> OwnedRwLockReadGuard<T, U> {
        let data = f(&*this) as *const U;
        let read = ManuallyDrop::new(this.downgrade());
        let lock = take_arc(&read, &read.lock);
        OwnedRwLockReadGuard { lock, data }
    }

    /// Downgrades to shared access to a part of the value if `f` finds one; otherwise
    /// gives the write guard back, still exclusive.
    pub fn try_downgrade_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self> {
        let data = match f(&*this) {
            Some(data) => data as *const U,
            None => return Err(this),
        };
        let read = ManuallyDrop::new(this.downgrade());
        let lock = take_arc(&read, &read.lock);
        Ok(OwnedRwLockReadGuard { lock, data })
    }

    /// Atomically turns exclusive access into shared access.
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let this = ManuallyDrop::new(self);
        let lock = take_arc(&this, &this.lock);
        lock.s.release(this.permits as usize - 1);
        OwnedRwLockReadGuard {
            data: this.data,
            lock,
        }
    }

    /// Returns the lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Narrows the guard further.
    #[inline]
    pub fn map<V: ?Sized, F: FnOnce(&mut U) -> &mut V>(
        mut this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, V> {
        let data = f(&mut *this) as *mut V;
        let this = ManuallyDrop::new(this);
        let lock = take_arc(&this, &this.lock);
        OwnedRwLockMappedWriteGuard {
            permits: this.permits,
            lock,
            data,
        }
    }

    /// Narrows the guard further if `f` finds a part; otherwise gives the guard back.
    #[inline]
    pub fn try_map<V: ?Sized, F: FnOnce(&mut U) -> Option<&mut V>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self> {
        let data = match f(&mut *this) {
            Some(data) => data as *mut V,
            None => return Err(this),
        };
        let this = ManuallyDrop::new(this);
        let lock = take_arc(&this, &this.lock);
        Ok(OwnedRwLockMappedWriteGuard {
            permits: this.permits,
            lock,
            data,
        })
    }

    /// Returns the lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(1);
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(self.permits as usize);
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(self.permits as usize);
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.s.release(self.permits as usize);
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        self.lock.s.release(self.permits as usize);
    }
}

macro_rules! deref_impls {
    ($($ty:ty, [$($gen:tt)*], $target:ident, $mutable:tt;)*) => {$(
        impl<$($gen)*> Deref for $ty {
            type Target = $target;
            fn deref(&self) -> &$target {
                // SAFETY: the guard holds the permits that make this access valid: shared
                // for read guards, exclusive for write guards.
                unsafe { &*self.data }
            }
        }
        deref_impls!(@mut $mutable, $ty, [$($gen)*], $target);
        impl<$($gen)*> fmt::Debug for $ty where $target: fmt::Debug {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
        impl<$($gen)*> fmt::Display for $ty where $target: fmt::Display {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
    (@mut yes, $ty:ty, [$($gen:tt)*], $target:ident) => {
        impl<$($gen)*> DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $target {
                // SAFETY: write guards hold every permit, so this access is exclusive, and
                // `&mut self` makes the borrow unique.
                unsafe { &mut *self.data }
            }
        }
    };
    (@mut no, $ty:ty, [$($gen:tt)*], $target:ident) => {};
}

deref_impls!(
    RwLockReadGuard<'_, T>, [T: ?Sized], T, no;
    RwLockWriteGuard<'_, T>, [T: ?Sized], T, yes;
    RwLockMappedWriteGuard<'_, T>, [T: ?Sized], T, yes;
    OwnedRwLockReadGuard<T, U>, [T: ?Sized, U: ?Sized], U, no;
    OwnedRwLockWriteGuard<T>, [T: ?Sized], T, yes;
    OwnedRwLockMappedWriteGuard<T, U>, [T: ?Sized, U: ?Sized], U, yes;
);
