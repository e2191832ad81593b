//! The one place this crate names `std`/`parking_lot` or `loom` synchronisation types.
//!
//! Under `cfg(loom)` every atomic, cell and lock comes from loom, so its model checker sees
//! every interleaving of the primitives built on top; otherwise they are std's atomics and
//! parking_lot's locks. The rest of the crate imports its internal synchronisation from
//! here only. Two std types stay std's on purpose: the `Arc` in public signatures (owned
//! guards and permits), and the `UnsafeCell` holding a lock's protected value, which hands
//! out references that outlive any closure (loom still checks the permits guarding it).

#![allow(unused_imports, dead_code, unreachable_pub)]

#[cfg(not(loom))]
mod imp {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;
        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
        }

        /// A non-poisoning mutex (parking_lot's): a panic under one of our short internal
        /// critical sections never leaves the protected data half-updated.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

        pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

        impl<T> Mutex<T> {
            #[inline]
            pub(crate) const fn new(value: T) -> Mutex<T> {
                Mutex(parking_lot::Mutex::new(value))
            }

            #[inline]
            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock()
            }
        }

        /// A non-poisoning reader-writer lock (parking_lot's).
        #[derive(Debug, Default)]
        pub(crate) struct RwLock<T>(parking_lot::RwLock<T>);

        pub(crate) type RwLockReadGuard<'a, T> = parking_lot::RwLockReadGuard<'a, T>;
        pub(crate) type RwLockWriteGuard<'a, T> = parking_lot::RwLockWriteGuard<'a, T>;

        impl<T> RwLock<T> {
            #[inline]
            pub(crate) fn new(value: T) -> RwLock<T> {
                RwLock(parking_lot::RwLock::new(value))
            }

            #[inline]
            pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
                self.0.read()
            }

            #[inline]
            pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
                self.0.write()
            }

            #[inline]
            pub(crate) fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
                self.0.try_read()
            }

            #[inline]
            pub(crate) fn get_mut(&mut self) -> &mut T {
                self.0.get_mut()
            }

            #[inline]
            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner()
            }
        }
    }

    pub(crate) mod cell {
        /// An `UnsafeCell` with loom's closure-based access, so code reads the same under
        /// both configurations.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            #[inline(always)]
            pub(crate) const fn new(data: T) -> UnsafeCell<T> {
                UnsafeCell(std::cell::UnsafeCell::new(data))
            }

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
            pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
        }

        /// loom's mutex without poisoning, shaped like the parking_lot one above.
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

        /// loom's reader-writer lock without poisoning.
        #[derive(Debug, Default)]
        pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);

        pub(crate) type RwLockReadGuard<'a, T> = loom::sync::RwLockReadGuard<'a, T>;
        pub(crate) type RwLockWriteGuard<'a, T> = loom::sync::RwLockWriteGuard<'a, T>;

        impl<T> RwLock<T> {
            pub(crate) fn new(value: T) -> RwLock<T> {
                RwLock(loom::sync::RwLock::new(value))
            }

            pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
                self.0.read().unwrap_or_else(|e| e.into_inner())
            }

            pub(crate) fn write(&self) -> RwLockWriteGuard<'_, T> {
                self.0.write().unwrap_or_else(|e| e.into_inner())
            }

            pub(crate) fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
                self.0.try_read().ok()
            }

            pub(crate) fn get_mut(&mut self) -> &mut T {
                self.0.get_mut().unwrap_or_else(|e| e.into_inner())
            }

            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner().unwrap_or_else(|e| e.into_inner())
            }
        }
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }
}

pub(crate) use imp::*;
