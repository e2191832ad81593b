//! A counting semaphore with strictly FIFO-fair, batch acquisition.

use std::fmt;
use std::sync::Arc;

use crate::batch_semaphore::{self as ll, RawSemaphore};
pub use crate::batch_semaphore::{AcquireError, TryAcquireError};

/// A counting semaphore: a pool of permits that tasks acquire and return.
///
/// Waiters are served strictly first-in, first-out: a task waiting for many permits at the
/// head of the queue is not overtaken by later, smaller requests, and `try_acquire` fails
/// while anyone waits. Permits go back to the semaphore when their guard drops.
///
/// # Cancel safety
///
/// `acquire*` futures are cancel safe in the sense that matters: dropping one gives back any
/// permits it was already granted, and gives up its place in the queue.
///
/// # Examples
///
/// ```
/// use magpie_sync::Semaphore;
///
/// # futures::executor::block_on(async {
/// let sem = Semaphore::new(3);
/// let a = sem.acquire().await.unwrap();
/// let b = sem.acquire_many(2).await.unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// assert!(sem.try_acquire().is_err());
/// drop(a);
/// assert_eq!(sem.available_permits(), 1);
/// # drop(b);
/// # });
/// ```
pub struct Semaphore {
    ll: RawSemaphore,
}

/// Permits borrowed from a [`Semaphore`]; returned when dropped.
#[must_use = "the permits are released at once if the guard is not held"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    /// `usize`, not `u32`: merged guards may hold more than one acquisition can ask for.
    permits: usize,
}

/// Permits owned through an `Arc<Semaphore>`; returned when dropped.
#[must_use = "the permits are released at once if the guard is not held"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    /// `usize`, not `u32`: merged guards may hold more than one acquisition can ask for.
    permits: usize,
}

impl Semaphore {
    /// The most permits a semaphore may hold: `usize::MAX >> 3`.
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// Creates a semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            ll: RawSemaphore::new(permits),
        }
    }

    /// Creates a semaphore in a `const` context, e.g. a `static`.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// use magpie_sync::Semaphore;
    /// static LIMIT: Semaphore = Semaphore::const_new(10);
    /// assert_eq!(LIMIT.available_permits(), 10);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            ll: RawSemaphore::const_new(permits),
        }
    }

    /// Returns the number of permits available now.
    pub fn available_permits(&self) -> usize {
        self.ll.available_permits()
    }

    /// Adds `n` permits, waking waiters they satisfy.
    ///
    /// # Panics
    ///
    /// If the total would exceed [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll.release(n);
    }

    /// Removes up to `n` available permits without waiting; returns how many it removed.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll.forget_permits(n)
    }

    /// Waits for one permit.
    ///
    /// Fails only once the semaphore is [closed](Self::close).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future loses no permit (it does lose the queue position).
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll.acquire(1).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits at once.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: permits granted so far go back if the future is dropped.
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll.acquire(n as usize).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Takes one permit if one is available and nobody waits.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(1)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Takes `n` permits if they are available and nobody waits.
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Waits for one permit, owned through the `Arc`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`acquire`](Self::acquire).
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.ll.acquire(1).await?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits, owned through the `Arc`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`acquire_many`](Self::acquire_many).
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.ll.acquire(n as usize).await?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Takes one permit without waiting, owned through the `Arc`.
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(1)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Takes `n` permits without waiting, owned through the `Arc`.
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Waits for one permit from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        crate::block::block_on(self.acquire())
    }

    /// Waits for `n` permits from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        crate::block::block_on(self.acquire_many(n))
    }

    /// Waits for one owned permit from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        crate::block::block_on(self.acquire_owned())
    }

    /// Waits for `n` owned permits from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        crate::block::block_on(self.acquire_many_owned(n))
    }

    /// Closes the semaphore: pending and later acquisitions fail with [`AcquireError`];
    /// permits already held stay valid.
    pub fn close(&self) {
        self.ll.close();
    }

    /// Returns `true` if the semaphore was closed.
    pub fn is_closed(&self) -> bool {
        self.ll.is_closed()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ll.fmt(f)
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Returns how many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the permits come from different semaphores, or if the sum overflows `usize`.
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits from different semaphore instances"
        );
        self.permits = self
            .permits
            .checked_add(other.permits)
            .expect("number of permits overflowed");
        other.permits = 0;
    }

    /// Splits `n` permits off into a new guard; `None` if this one holds fewer.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }
    /// Returns the semaphore the permits came from.
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Returns how many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Moves `other`'s permits into `self`.
    ///
    /// # Panics
    ///
    /// If the permits come from different semaphores, or if the sum overflows `usize`.
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphore instances"
        );
        self.permits = self
            .permits
            .checked_add(other.permits)
            .expect("number of permits overflowed");
        other.permits = 0;
    }

    /// Splits `n` permits off into a new guard; `None` if this one holds fewer.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            permits: n,
        })
    }

    /// Returns the semaphore the permits came from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("sem", &self.sem)
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("sem", &self.sem)
            .field("permits", &self.permits)
            .finish()
    }
}
