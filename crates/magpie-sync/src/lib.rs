//! Magpie's asynchronous synchronisation primitives and channels.
//!
//! This is tokio's `sync` module, with its names, semantics and error types, written to
//! depend on no runtime: every primitive works on any executor (`futures::executor`,
//! tokio, magpie). The facade re-exports it as `magpie::sync`.
//!
//! * locks and permits: [`Mutex`], [`RwLock`], [`Semaphore`];
//! * events and cells: [`Notify`], [`Barrier`], [`OnceCell`], [`SetOnce`];
//! * channels: [`mpsc`], [`oneshot`], [`broadcast`], [`watch`].
//!
//! Waiting futures queue in intrusive lists (waiting allocates nothing), served first in,
//! first out. A runtime plugs its cooperative budget, timer and "inside a runtime?" check in
//! through [`hooks`]; without them these primitives still work, only unbudgeted.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod barrier;
mod batch_semaphore;
mod block;
pub mod broadcast;
pub mod hooks;
mod linked_list;
mod loom;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod set_once;
mod wake_list;
pub mod watch;

/// Named futures of this module, at tokio's `sync::futures` path.
pub mod futures {
    pub use crate::notify::{Notified, OwnedNotified};
}

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify, OwnedNotified};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
pub use set_once::{SetOnce, SetOnceError};
