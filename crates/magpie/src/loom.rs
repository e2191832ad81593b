//! The one place the facade names `std` or `loom` synchronisation types.
//!
//! Under `cfg(loom)` the atomics, locks and `Arc`s of the facade's own concurrency cores
//! (today: `JoinSet`'s ready list) come from loom, so its model checker sees every
//! interleaving of them; otherwise they are std's. Code built on them imports from here
//! only. The locks never poison: the critical sections guarded here are a push, a pop or
//! a swap, and a panic elsewhere must not make the next `join_next` panic too.

#![allow(unused_imports, dead_code, unreachable_pub)]

#[cfg(not(loom))]
mod imp {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{AtomicBool, Ordering};
        }

        /// std's mutex without poisoning.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            #[inline]
            pub(crate) const fn new(value: T) -> Mutex<T> {
                Mutex(std::sync::Mutex::new(value))
            }

            #[inline]
            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap_or_else(|e| e.into_inner())
            }
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{AtomicBool, Ordering};
        }

        /// loom's mutex without poisoning, shaped like the std one above.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Mutex<T> {
                Mutex(loom::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap_or_else(|e| e.into_inner())
            }
        }
    }
}

pub(crate) use imp::*;
