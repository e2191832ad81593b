//! The I/O driver: the [`Reactor`] that waits on the OS poller, the per-registration
//! readiness state, and [`Interest`]/[`Ready`].

#[cfg(unix)]
pub(crate) mod async_fd;
pub(crate) mod handle;
pub(crate) mod interest;
pub(crate) mod poll_evented;
pub(crate) mod reactor;
pub(crate) mod ready;
pub(crate) mod scheduled_io;
pub(crate) mod selector;
// `is_rt_shutdown_err` is public API, but the crate root (lib.rs, owned by another session)
// does not re-export it yet: until it does, only the unit tests reach it.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod shutdown;
#[cfg(all(test, not(loom)))]
pub(crate) mod test_exec;

#[cfg(unix)]
pub use async_fd::{AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
// Public API whose re-exports from the crate root and `io::unix` (lib.rs and io/mod.rs,
// owned by another session) are still to come; until then they are named only here.
#[cfg(unix)]
#[allow(unused_imports, unreachable_pub, deprecated)]
pub use async_fd::{AsyncFdRegisterError, AsyncFdTryNewError};
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use interest::Interest;
pub use reactor::{Reactor, ReactorUnpark};
pub use ready::Ready;
#[allow(unused_imports, unreachable_pub)]
pub use shutdown::is_rt_shutdown_err;
