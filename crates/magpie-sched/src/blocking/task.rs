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
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockingSchedule;

impl Schedule for BlockingSchedule {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    fn schedule(&self, _task: Notified<Self>) {
        unreachable!("a blocking task is never woken while pending: it completes in one poll")
    }
}
