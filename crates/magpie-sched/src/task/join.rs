//! `JoinHandle`: awaits a task's output, or detaches it when dropped.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{AbortHandle, Id, JoinError, RawTask};
use crate::coop;

/// An owned permission to join on a task (await its termination).
///
/// Awaiting it yields `Ok(output)` when the task finished, or a [`JoinError`] if it was
/// cancelled or panicked. Dropping it *detaches* the task: the task keeps running and its
/// output is dropped when it finishes.
///
/// # Cancel safety
///
/// Awaiting a `JoinHandle` is cancel safe: dropping the `await` before it completes loses
/// nothing; the output stays in the task until the handle is polled again or dropped.
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the output type is `Send` (a bound of every spawn), and the handle only moves it
// out by value.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads atomics (`is_finished`, `id`) or aborts.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// The task, for unit tests that inspect its state word.
    #[cfg(test)]
    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Aborts the task. The handle then resolves to a cancelled [`JoinError`] unless the
    /// task had already finished. An idle task is cancelled on its scheduler soon after; a
    /// task being polled is cancelled when its current poll returns. Tasks from
    /// `spawn_blocking` cannot be aborted once they started.
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Returns `true` if the task has finished (completed, panicked or been cancelled).
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// Returns a new [`AbortHandle`] for this task.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.ref_inc();
        AbortHandle::new(self.raw)
    }

    /// The task's [`Id`].
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

// A handle only reads the task's state word and takes the output; a panic while it is
// used leaves the task in a consistent state, so it may cross `catch_unwind` (as tokio's).
impl<T> std::panic::UnwindSafe for JoinHandle<T> {}
impl<T> std::panic::RefUnwindSafe for JoinHandle<T> {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let coop = std::task::ready!(coop::poll_proceed(cx));
        let mut ret = Poll::Pending;
        // SAFETY: `ret` is a `Poll<Result<T, JoinError>>` and `T` is this task's output.
        unsafe {
            self.raw.try_read_output(
                &mut ret as *mut Poll<Result<T, JoinError>> as *mut (),
                cx.waker(),
            )
        };
        if ret.is_ready() {
            coop.made_progress();
        }
        ret
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.raw.state().drop_join_handle_fast().is_ok() {
            return;
        }
        self.raw.drop_join_handle_slow();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}
