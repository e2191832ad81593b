//! Magpie: an async runtime with tokio's paths and names.
//!
//! Replace `tokio::` with `magpie::` and the code compiles and behaves the same.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

// Public but hidden, as tokio's: code written for tokio occasionally names
// `tokio::macros::support::poll_fn`.
#[macro_use]
#[doc(hidden)]
pub mod macros;
mod loom;

/// `JoinSet`'s wake-up protocol, exposed only to the loom tests in `tests/loom_*.rs`.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::task::join_set::ready_set::ReadySet;
}

pub use magpie_macros::{main, test};

#[doc(hidden)]
pub use macros::support as __macro_support;

pub mod runtime;
pub mod task;

pub use task::spawn;

pub mod time {
    //! Time: sleeping, timeouts and intervals, on magpie's hierarchical timer wheel.
    //!
    //! A runtime built with `enable_time` (or `enable_all`) drives these; using them on a
    //! runtime without the time driver panics with a message that says so.
    pub use magpie_timer::{
        advance, error, interval, interval_at, pause, resume, sleep, sleep_until, timeout,
        timeout_at, Duration, Instant, Interval, MissedTickBehavior, Sleep, Timeout,
    };
}

pub mod sync {
    //! Synchronisation primitives and channels for async code: tokio's `sync` module.
    //!
    //! They are runtime-agnostic (they work on any executor); on magpie they also take part
    //! in cooperative budgeting.
    pub use magpie_sync::{
        broadcast, futures, mpsc, oneshot, watch, AcquireError, Barrier, BarrierWaitResult,
        MappedMutexGuard, Mutex, MutexGuard, Notify, OnceCell, OwnedMappedMutexGuard,
        OwnedMutexGuard, OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard,
        OwnedSemaphorePermit, RwLock, RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
        Semaphore, SemaphorePermit, SetError, SetOnce, SetOnceError, TryAcquireError, TryLockError,
    };
}

// magpie-reactor leaves `process` out of its loom build.
#[cfg(all(unix, not(loom)))]
pub use magpie_reactor::process;
#[cfg(unix)]
pub use magpie_reactor::signal;
pub use magpie_reactor::{fs, io, net};
