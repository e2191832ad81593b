//! `Handle`: a cloneable reference to a runtime, to spawn onto it and enter it from anywhere.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;

use super::{Common, RuntimeMetrics};
use crate::context::{self, SetCurrentGuard};
use crate::task::{Id, JoinHandle};
use crate::{current_thread, multi_thread};

/// A handle to a runtime: spawn onto it, enter its context, or block on it.
///
/// Cheap to clone; it does not keep the runtime running (dropping the `Runtime` shuts it
/// down, after which spawned tasks are cancelled at once).
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Scheduler,
}

// As `Runtime` (see there): a panic never leaves the runtime half-updated.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

#[derive(Clone)]
pub(crate) enum Scheduler {
    MultiThread(Arc<multi_thread::Handle>),
    CurrentThread(Arc<current_thread::Handle>),
}

/// The kind of scheduler a runtime runs.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Everything runs on the thread that calls `block_on`.
    CurrentThread,
    /// Work-stealing workers.
    MultiThread,
}

/// Makes a runtime current on this thread until dropped; see [`Handle::enter`].
#[must_use = "Creating and dropping a guard does nothing"]
pub struct EnterGuard<'a> {
    _guard: SetCurrentGuard,
    _handle: PhantomData<&'a Handle>,
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// The error [`Handle::try_current`] returns outside a runtime.
#[derive(Debug)]
pub struct TryCurrentError {
    kind: TryCurrentErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TryCurrentErrorKind {
    NoContext,
    ThreadLocalDestroyed,
}

impl TryCurrentError {
    pub(crate) fn no_context() -> Self {
        TryCurrentError {
            kind: TryCurrentErrorKind::NoContext,
        }
    }

    pub(crate) fn thread_local_destroyed() -> Self {
        TryCurrentError {
            kind: TryCurrentErrorKind::ThreadLocalDestroyed,
        }
    }

    /// Returns `true` if the call failed because there is no runtime in context.
    pub fn is_missing_context(&self) -> bool {
        self.kind == TryCurrentErrorKind::NoContext
    }

    /// Returns `true` if the call failed because the thread-local context was already
    /// destroyed (during thread exit).
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.kind == TryCurrentErrorKind::ThreadLocalDestroyed
    }
}

const NO_CONTEXT: &str =
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime";
const DESTROYED: &str = "The Tokio context thread-local variable has been destroyed.";

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TryCurrentErrorKind::NoContext => f.write_str(NO_CONTEXT),
            TryCurrentErrorKind::ThreadLocalDestroyed => f.write_str(DESTROYED),
        }
    }
}

impl Error for TryCurrentError {}

impl Handle {
    /// Returns the handle of the runtime this thread is in.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime: "there is no reactor running, must be called from the
    /// context of a Tokio 1.x runtime" (tokio's words, which code moving from tokio may match).
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("{e}"),
        }
    }

    /// Returns the handle of the runtime this thread is in, or an error outside one.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(Handle::clone)
    }

    /// Makes this runtime current on this thread until the guard drops, so `spawn` and
    /// driver-backed types (timers, sockets) work outside its worker threads.
    ///
    /// # Panics
    ///
    /// Dropping guards out of the order they were taken panics.
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::set_current(self),
            _handle: PhantomData,
        }
    }

    /// Spawns a future onto this runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with_id(future, Id::next(), Location::caller())
    }

    pub(crate) fn spawn_with_id<F>(
        &self,
        future: F,
        id: Id,
        at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.inner {
            Scheduler::MultiThread(h) => multi_thread::Handle::spawn(h, future, id, at),
            Scheduler::CurrentThread(h) => current_thread::Handle::spawn(h, future, id, at),
        }
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.common()
            .blocking
            .spawn_blocking(self, func, false, None)
    }

    /// [`spawn_blocking`](Self::spawn_blocking), also holding `guard` until the task's
    /// result is published and its `JoinHandle` woken (or the task is cancelled). The
    /// facade passes the paused clock's auto-advance inhibitor, so time cannot jump
    /// between the closure returning (or panicking) and the joiner seeing the result.
    #[track_caller]
    pub fn spawn_blocking_holding<F, R>(&self, func: F, guard: Box<dyn Send>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.common()
            .blocking
            .spawn_blocking(self, func, false, Some(guard))
    }

    /// Like [`spawn_blocking`](Self::spawn_blocking), but the closure runs even if the
    /// runtime shuts down before it starts (for file writes that must not be lost).
    #[track_caller]
    pub fn spawn_mandatory_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.common()
            .blocking
            .spawn_blocking(self, func, true, None)
    }

    /// [`spawn_mandatory_blocking`](Handle::spawn_mandatory_blocking), or `None` if the
    /// runtime has shut down and would cancel the job (as tokio's, for writes that must
    /// report that rather than vanish: standard output and error).
    pub fn try_spawn_mandatory_blocking<F, R>(&self, func: F) -> Option<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if self.common().blocking.is_shut_down() {
            return None;
        }
        Some(self.spawn_mandatory_blocking(func))
    }

    /// Runs `future` to completion on the current thread, with this runtime current.
    ///
    /// On a current-thread runtime this also drives the runtime's tasks when no other thread
    /// is doing so.
    ///
    /// # Panics
    ///
    /// Panics if called from inside a runtime (from async code, or a worker thread).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.block_on_as(future, false)
    }

    /// `block_on`; `owner`: called through `Runtime::block_on`, whose thread counts as the
    /// current-thread runtime's worker 0 while it holds the scheduler (a `Handle::block_on`
    /// thread never does, as in tokio).
    #[track_caller]
    pub(crate) fn block_on_as<F: Future>(&self, future: F, owner: bool) -> F::Output {
        let _rt = context::enter_runtime();
        let _cur = context::set_current(self);
        match &self.inner {
            Scheduler::MultiThread(_) => super::block_on_thread(future),
            Scheduler::CurrentThread(h) => {
                let _no_blocking = owner.then(context::disallow_block_in_place);
                current_thread::block_on(h, future, owner)
            }
        }
    }

    /// The kind of scheduler this runtime runs.
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner {
            Scheduler::MultiThread(_) => RuntimeFlavor::MultiThread,
            Scheduler::CurrentThread(_) => RuntimeFlavor::CurrentThread,
        }
    }

    /// A view of the runtime's metrics.
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.clone())
    }

    /// The name given with [`Builder::name`](super::Builder::name), if any.
    pub fn name(&self) -> Option<&str> {
        self.common().name.as_deref()
    }

    /// What identifies this runtime among the runtimes of this process.
    pub fn id(&self) -> super::Id {
        self.common().id
    }

    /// The driver handle of type `T` the runtime was built with, if any (see
    /// [`DriverStack::drivers`](super::DriverStack::drivers)).
    pub fn driver<T: Any>(&self) -> Option<&T> {
        self.common().drivers.get::<T>()
    }

    pub(crate) fn common(&self) -> &Common {
        match &self.inner {
            Scheduler::MultiThread(h) => &h.common,
            Scheduler::CurrentThread(h) => &h.common,
        }
    }

    /// Starts shutdown: no new task runs, every task is cancelled by its scheduler.
    pub(crate) fn shutdown_scheduler(&self) {
        match &self.inner {
            Scheduler::MultiThread(h) => h.shutdown(),
            Scheduler::CurrentThread(h) => current_thread::shutdown(h),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("id", &self.id())
            .field("flavor", &self.runtime_flavor())
            .finish()
    }
}
