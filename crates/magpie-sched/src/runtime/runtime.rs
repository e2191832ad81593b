//! `Runtime`: owns the scheduler, its threads and its drivers; dropping it shuts them down.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::{Handle, RuntimeMetrics};
use crate::task::JoinHandle;

/// A runtime: worker threads (or the calling thread), the blocking pool and the drivers.
///
/// Dropping it shuts it down: every task's future is dropped (on the runtime's threads
/// where possible), every `JoinHandle` resolves to a cancelled error, and the drop waits
/// for blocking tasks that already started.
pub struct Runtime {
    handle: Handle,
    shut_down: bool,
}

impl Runtime {
    pub(crate) fn new(handle: Handle) -> Runtime {
        Runtime {
            handle,
            shut_down: false,
        }
    }

    /// A handle to this runtime.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a future onto the runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the runtime's blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(func)
    }

    /// Runs `future` to completion on the current thread; the runtime's entry point.
    ///
    /// # Panics
    ///
    /// Panics if called from inside a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on_as(future, true)
    }

    /// Makes the runtime current on this thread; see [`Handle::enter`].
    pub fn enter(&self) -> super::EnterGuard<'_> {
        self.handle.enter()
    }

    /// The runtime's metrics.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Shuts down, waiting at most `duration` for blocking tasks and worker threads.
    pub fn shutdown_timeout(mut self, duration: Duration) {
        self.shutdown(Some(duration));
    }

    /// Shuts down without waiting for blocking tasks (safe to call in async context).
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Duration::ZERO));
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        if self.shut_down {
            return;
        }
        self.shut_down = true;
        self.handle.shutdown_scheduler();
        self.handle.common().blocking.shutdown(timeout);
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if self.shut_down {
            return;
        }
        if crate::context::is_runtime_entered() && !std::thread::panicking() {
            // Waiting for the threads here would block a thread that drives tasks.
            self.shut_down = true;
            self.handle.shutdown_scheduler();
            self.handle.common().blocking.shutdown(Some(Duration::ZERO));
            panic!("Cannot drop a runtime in a context where blocking is not allowed. This happens when a runtime is dropped from within an asynchronous context.");
        }
        self.shutdown(None);
    }
}

// A runtime that saw a panic (in a task, a hook, or a `block_on` future) stays usable:
// tasks' panics are caught and every shared structure is updated under locks or atomics,
// as tokio promises by implementing these.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}
