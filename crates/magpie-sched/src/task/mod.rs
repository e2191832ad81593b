//! Tasks: one allocation per spawned future, with its state word, its output and the waker
//! of whoever joins it.
//!
//! A task moves between three kinds of owner, each holding one reference:
//! * [`Task`]: the owned-task list's entry (so shutdown can find every task);
//! * [`Notified`]: a pending poll sitting in a run queue;
//! * [`JoinHandle`]/[`AbortHandle`]/wakers: user-side handles.
//!
//! The scheduler sees tasks only through the [`Schedule`] trait, so the same task code
//! serves the multi-thread, current-thread and blocking schedulers (and the loom mocks).

mod abort;
mod cell;
mod current;
mod error;
mod harness;
mod id;
mod join;
pub(crate) mod list;
mod raw;
mod state;
mod waker;

use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;

pub use abort::AbortHandle;
pub use error::JoinError;
pub use id::{id, try_id, Id};
pub use join::JoinHandle;

pub(crate) use cell::Header;
pub(crate) use current::defer_self;
pub(crate) use raw::RawTask;

/// How a task reaches its scheduler.
pub trait Schedule: Send + Sync + Sized + 'static {
    /// Removes a completing task from the scheduler's owned list, returning the list's
    /// reference (or `None` if the task is not in it).
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;

    /// Queues a notified task to be polled.
    fn schedule(&self, task: Notified<Self>);

    /// Queues a task that woke itself during its own poll: fairness wants it behind its
    /// peers, not in the LIFO slot.
    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task)
    }

    /// Queues a task that yielded by deferring its own waker ([`coop::defer`] during its
    /// poll): it must not run before the scheduler has run out of other work, as a deferred
    /// wake-up would not. By default it joins the thread's defer list (or, without one, is
    /// queued at once like [`Schedule::yield_now`]).
    ///
    /// [`coop::defer`]: crate::coop::defer
    fn yield_deferred(&self, task: Notified<Self>) {
        defer_in_list(self, task);
    }
}

/// [`Schedule::yield_deferred`]'s default: the thread's defer list, or `yield_now` without
/// one (a scheduler with its own list of yielded tasks falls back to this off its threads).
pub(crate) fn defer_in_list<S: Schedule>(scheduler: &S, task: Notified<S>) {
    if let Err(raw) = crate::coop::defer_task(task.into_raw()) {
        // SAFETY: `defer_task` handed back the notification's reference it was given.
        let task = unsafe { Notified::from_raw(raw) };
        scheduler.yield_now(task);
    }
}

/// A task, as the owned-task list holds it: one reference.
pub struct Task<S: 'static> {
    raw: RawTask,
    _scheduler: PhantomData<S>,
}

// SAFETY: tasks are `Send` futures with `Send` outputs; the handle is a counted pointer.
unsafe impl<S> Send for Task<S> {}
// SAFETY: shared access only reads the immutable header fields or goes through atomics.
unsafe impl<S> Sync for Task<S> {}

/// A task that has been woken and waits in a run queue to be polled: one reference.
pub struct Notified<S: 'static>(Task<S>);

// SAFETY: as for `Task`.
unsafe impl<S> Send for Notified<S> {}
// SAFETY: as for `Task`.
unsafe impl<S> Sync for Notified<S> {}

impl<S: 'static> Task<S> {
    /// # Safety
    /// The caller hands over one reference to the task at `ptr`, whose scheduler type is `S`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Task<S> {
        Task {
            // SAFETY: the caller's contract.
            raw: unsafe { RawTask::from_raw(ptr) },
            _scheduler: PhantomData,
        }
    }

    pub(crate) fn header_ptr(&self) -> NonNull<Header> {
        self.raw.header_ptr()
    }

    /// The task's ID.
    pub fn id(&self) -> Id {
        self.raw.id()
    }

    /// Where the task was spawned.
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.raw.header().spawned_at
    }

    /// Cancels the task if idle (dropping its future on this thread); a running task sees
    /// the cancellation when its poll ends. Consumes this reference.
    pub fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        raw.shutdown();
    }

    /// Returns whether the task has completed.
    pub fn is_complete(&self) -> bool {
        self.raw.state().load().is_complete()
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl<S: 'static> Notified<S> {
    /// # Safety
    /// As for [`Task::from_raw`], with the reference backing a notification.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified<S> {
        // SAFETY: the caller's contract.
        Notified(unsafe { Task::from_raw(ptr) })
    }

    /// Gives up ownership, returning the pointer (for queues that store raw pointers).
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        let ptr = self.0.header_ptr();
        std::mem::forget(self);
        ptr
    }

    /// The task's ID.
    pub fn id(&self) -> Id {
        self.0.id()
    }

    /// Polls the task once (or cancels it if it was aborted), consuming the notification.
    pub fn run(self) {
        let raw = self.0.raw;
        std::mem::forget(self);
        raw.poll();
    }

    /// Cancels the task if idle; see [`Task::shutdown`].
    pub fn shutdown(self) {
        let Notified(task) = self;
        task.shutdown();
    }
}

/// Allocates a task that no list owns (blocking tasks): returns the notification for its
/// first poll and its `JoinHandle`.
#[track_caller]
pub fn unowned<F, S>(future: F, scheduler: S, id: Id) -> (Notified<S>, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, id, false, Location::caller());
    // SAFETY: a new unowned task holds two references: this notification's and the
    // JoinHandle's.
    let notified = unsafe { Notified::from_raw(raw.header_ptr()) };
    (notified, JoinHandle::new(raw))
}
