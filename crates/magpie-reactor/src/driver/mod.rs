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
pub(crate) mod shutdown;
#[cfg(all(test, not(loom)))]
pub(crate) mod test_exec;

#[cfg(unix)]
pub use async_fd::{AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
#[cfg(unix)]
#[allow(deprecated)]
pub use async_fd::{AsyncFdRegisterError, AsyncFdTryNewError};
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use interest::Interest;
pub use reactor::{Reactor, ReactorUnpark};
pub use ready::Ready;
pub use shutdown::is_rt_shutdown_err;
