//! Magpie's scheduler crate: tasks, the work-stealing and current-thread schedulers, the
//! blocking pool, cooperative budgeting, and the driver seam ([`park::Park`]) that the
//! reactor and the timer plug into.
//!
//! Users reach all of this through the `magpie` facade crate; this crate is the engine.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod loom;
#[cfg(loom)]
#[doc(hidden)]
pub mod loom_api;

pub mod coop;
pub mod park;
pub mod runtime;
pub mod task;

mod blocking;
pub mod context;
mod current_thread;
mod multi_thread;
mod queue;
mod rand;

mod local;
mod spawn;
pub use local::{spawn_local, LocalEnterGuard, LocalSet, RunUntil};
pub use spawn::{block_in_place, spawn, spawn_blocking, yield_now};
