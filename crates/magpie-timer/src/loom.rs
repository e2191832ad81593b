//! The one place this crate names `std` or `loom` synchronisation types.
//!
//! Under `cfg(loom)` the atomics, cells and locks that timer entries and shards share come
//! from loom, so its model checker sees every interleaving of registration, cancellation,
//! reset and firing; otherwise they are std's. The rest of the crate imports from here only.

#![allow(unused_imports, dead_code, unreachable_pub)]

#[cfg(not(loom))]
mod imp {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
        }
        pub(crate) use super::super::lock::{Mutex, MutexGuard};
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
}

#[cfg(loom)]
mod imp {
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
        }
        pub(crate) use super::super::lock::{Mutex, MutexGuard};
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }
}

pub(crate) use imp::*;

/// Process-wide counters kept in `static`s. Loom cannot model a `static` atomic (its
/// objects live inside one model run), and these only spread threads over shards, which no
/// model depends on, so they are always std's.
pub(crate) mod global {
    pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};
}

/// A mutex that does not poison: a panic while a shard is locked cannot leave a wheel half
/// edited (every edit is a few pointer writes that do not panic), so poisoning would add
/// nothing but `unwrap`s.
mod lock {
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
    }
}
