//! The one place this crate names `std` or `loom` synchronisation types.
//!
//! Under `cfg(loom)` every atomic, cell, lock and thread comes from loom, so loom's model
//! checker sees every interleaving of the code above it; otherwise they are std's. The rest
//! of the crate imports from here only.

#![allow(unused_imports, dead_code, unreachable_pub)]

#[cfg(not(loom))]
mod imp {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{
                fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };
        }
        pub(crate) use super::super::lock::{Condvar, Mutex, MutexGuard};
    }

    pub(crate) mod thread {
        pub(crate) use std::thread::{current, panicking, park, spawn, yield_now, Builder};
    }

    pub(crate) mod cell {
        /// An `UnsafeCell` with loom's closure-based access, so code reads the same under
        /// both configurations.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(data: T) -> UnsafeCell<T> {
                UnsafeCell(std::cell::UnsafeCell::new(data))
            }
        }

        impl<T: ?Sized> UnsafeCell<T> {
            #[inline(always)]
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }
            #[inline(always)]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }
    }

    /// Spins with backoff; under loom it yields so the model can progress.
    #[inline]
    pub(crate) fn spin_loop() {
        std::hint::spin_loop()
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{
                fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };
        }
        pub(crate) use super::super::lock::{Condvar, Mutex, MutexGuard};
    }

    pub(crate) mod thread {
        pub(crate) use loom::thread::{current, park, spawn, yield_now, Builder};
        pub(crate) use std::thread::panicking;
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }

    #[inline]
    pub(crate) fn spin_loop() {
        loom::thread::yield_now()
    }
}

pub(crate) use imp::*;

/// A mutex and condition variable that do not poison: a panic while holding a scheduler
/// lock is already a bug that aborts the runtime's invariants, so poisoning adds nothing
/// but `unwrap`s.
mod lock {
    use std::time::Duration;

    #[cfg(loom)]
    use loom::sync as base;
    #[cfg(not(loom))]
    use std::sync as base;

    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(base::Mutex<T>);

    pub(crate) type MutexGuard<'a, T> = base::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(base::Mutex::new(value))
        }

        #[inline]
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            match self.0.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            }
        }

        #[inline]
        pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            match self.0.try_lock() {
                Ok(guard) => Some(guard),
                Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => None,
            }
        }
    }

    #[derive(Debug, Default)]
    pub(crate) struct Condvar(base::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            Condvar(base::Condvar::new())
        }

        pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
            match self.0.wait(guard) {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            }
        }

        pub(crate) fn wait_timeout<'a, T>(
            &self,
            guard: MutexGuard<'a, T>,
            timeout: Duration,
        ) -> MutexGuard<'a, T> {
            match self.0.wait_timeout(guard, timeout) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            }
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one()
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all()
        }
    }
}
