//! Magpie's I/O: the reactor that drives sockets on the OS poller, tokio's io traits and
//! utilities, and the net and fs types built on them.
//!
//! The [`Reactor`] implements `magpie_sched::park::Park`: the runtime blocks in it when a
//! worker has nothing to run. Sockets find their reactor through the thread's current
//! runtime, which carries the reactor's [`Handle`] (or none, for a runtime built without
//! I/O, so the panic message can say so); [`Handle::enter`] makes one current explicitly.
//!
//! - [`net`]: TCP, UDP and Unix sockets, and name resolution on the blocking pool.
//! - [`fs`]: file system calls on the blocking pool, and [`fs::File`] with the io traits.
//! - [`io`]: tokio's io traits and utilities.
//! - [`AsyncFd`]: readiness for any file descriptor; [`Interest`] and [`Ready`].
//! - [`signal`]: Unix signals as async events (`ctrl_c`, `unix::signal`).
//! - [`process`]: child processes with async waiting and piped stdio.
//!
//! A resource that outlives its reactor does not hang or crash: every later operation
//! returns an error saying the runtime is shutting down.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod blocking;
mod driver;
pub mod fs;
pub mod io;
mod loom;
pub mod net;
#[cfg(all(unix, not(loom)))]
pub mod process;
#[cfg(unix)]
pub mod signal;

pub use driver::is_rt_shutdown_err;
#[cfg(unix)]
#[doc(hidden)]
#[allow(deprecated)]
pub use driver::AsyncFdTryNewError;
#[cfg(unix)]
pub use driver::{
    AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
};
pub use driver::{EnterGuard, Handle, Interest, Reactor, ReactorUnpark, Ready, TryCurrentError};

/// The readiness state machine, exposed only to the loom tests in `tests/loom_*.rs`.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::driver::scheduled_io::{Direction, ReadyEvent, ScheduledIo};
    pub use crate::signal::slot::Slot as SignalSlot;
}
