//! The one place this crate names `std` or `loom` synchronisation types.
//!
//! Under `cfg(loom)` the atomics, locks and `Arc` come from loom, so its model checker sees
//! every interleaving of the readiness word and the waker slots; otherwise they are std's.
//! The rest of the crate imports from here only.

#![allow(unused_imports, dead_code, unreachable_pub)]

pub(crate) mod sync {
    #[cfg(loom)]
    pub(crate) use loom::sync::Arc;
    #[cfg(not(loom))]
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        #[cfg(loom)]
        pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
        #[cfg(not(loom))]
        pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
    }

    pub(crate) use lock::{Mutex, MutexGuard};

    /// A mutex that does not poison: every critical section in this crate leaves its data
    /// consistent at each step, so a panic elsewhere does not make the data unusable.
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
}

/// Process-wide state kept in statics (the signal handlers' flags, the orphaned children):
/// always std's, because loom's types cannot live in statics, and none of it is part of a
/// model (the signal delivery protocol is modelled through `signal::slot` instead).
pub(crate) mod global {
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
    pub(crate) use std::sync::{Mutex, OnceLock};
}
