//! A closure as a task: it runs to completion in its one and only poll.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::task::{Notified, Schedule, Task};

/// Wraps a blocking closure as a future that runs it on first poll.
pub(crate) struct BlockingTask<F> {
    func: Option<F>,
}

impl<F> BlockingTask<F> {
    pub(crate) fn new(func: F) -> BlockingTask<F> {
        BlockingTask { func: Some(func) }
    }
}

impl<F> Unpin for BlockingTask<F> {}

impl<F, R> Future for BlockingTask<F>
where
    F: FnOnce() -> R,
{
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self.func.take().expect("blocking task ran twice");
        // Blocking code does not yield, so it gets no budget to run out of.
        Poll::Ready(crate::coop::with_unconstrained(func))
    }
}

/// The scheduler of blocking tasks: they are in no owned list and never wait, so they are
/// never rescheduled.
pub(crate) struct BlockingSchedule {
    /// Dropped when the task is released, i.e. once its output is published and its
    /// joiner woken: the facade's guard that keeps a paused clock from auto-advancing
    /// must outlive the closure until then, or the clock could jump ahead of a result
    /// that is about to arrive.
    release_guard: crate::loom::sync::Mutex<Option<Box<dyn Send>>>,
}

impl BlockingSchedule {
    pub(crate) fn new(release_guard: Option<Box<dyn Send>>) -> BlockingSchedule {
        BlockingSchedule {
            release_guard: crate::loom::sync::Mutex::new(release_guard),
        }
    }
}

impl std::fmt::Debug for BlockingSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingSchedule").finish_non_exhaustive()
    }
}

impl Schedule for BlockingSchedule {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        let guard = self.release_guard.lock().take();
        drop(guard);
        None
    }

    fn schedule(&self, _task: Notified<Self>) {
        unreachable!("a blocking task is never woken while pending: it completes in one poll")
    }
}
