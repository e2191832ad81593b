//! `RawTask`: an untyped pointer to a task's cell, and the vtable that types it again.

use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

use super::cell::{Cell, Header};
use super::harness;
use super::state::State;
use super::{Id, Schedule};

/// Operations on a task whose future and scheduler types are erased.
pub(crate) struct Vtable {
    /// Polls the task; consumes the notification's reference.
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Hands a notification (with its reference) to the task's scheduler.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Reads the output into `*mut Poll<Result<T, JoinError>>` if complete, else stores the
    /// waker.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Drops the `JoinHandle`'s interest and reference (slow path).
    pub(crate) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Cancels the task in place if idle; consumes the caller's reference.
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

pub(crate) fn vtable<F: Future + 'static, S: Schedule>() -> &'static Vtable
where
    F::Output: 'static,
{
    &Vtable {
        poll: harness::poll::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
        shutdown: harness::shutdown::<F, S>,
    }
}

/// A pointer to a task's header. Copying it does not touch the reference count: owners
/// (`Task`, `Notified`, `JoinHandle`, wakers) manage that.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a task may be touched from any thread; all shared state is behind atomics or
// the state word's ownership rules.
unsafe impl Send for RawTask {}
// SAFETY: as for `Send`.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(crate) fn new<F, S>(
        future: F,
        scheduler: S,
        id: Id,
        owned: bool,
        spawned_at: &'static Location<'static>,
    ) -> RawTask
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        // SAFETY: `Send` futures and outputs may be polled and dropped on any thread.
        unsafe { RawTask::new_local(future, scheduler, id, owned, spawned_at) }
    }

    /// Allocates a task whose future or output may be `!Send`.
    ///
    /// # Safety
    /// The scheduler `S` must poll, cancel and complete the task only on one thread, the
    /// one that owns the future (a `LocalSet`'s), and the output must only be read there.
    pub(crate) unsafe fn new_local<F, S>(
        future: F,
        scheduler: S,
        id: Id,
        owned: bool,
        spawned_at: &'static Location<'static>,
    ) -> RawTask
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        let state = if owned {
            State::new()
        } else {
            State::new_unowned()
        };
        let cell = Cell::new(future, scheduler, state, id, vtable::<F, S>(), spawned_at);
        let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
        RawTask { ptr }
    }

    /// # Safety
    /// `ptr` must point to a live task header.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(&self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` is only used while its holder keeps a reference, so the
        // allocation is live.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn state(&self) -> &State {
        &self.header().state
    }

    pub(crate) fn id(&self) -> Id {
        self.header().id
    }

    /// Polls the task, consuming a notification's reference.
    pub(crate) fn poll(self) {
        // SAFETY: the vtable matches the cell's types; the caller passes its reference.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    pub(crate) fn schedule(self) {
        // SAFETY: as for `poll`.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    pub(crate) fn dealloc(self) {
        // SAFETY: as for `poll`; the caller dropped the last reference.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// # Safety
    /// `dst` must point to a `Poll<Result<T, JoinError>>` with `T` the task's output.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: the caller's contract covers `dst`; the vtable matches the cell.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    pub(crate) fn drop_join_handle_slow(self) {
        // SAFETY: the vtable matches the cell; the caller is the `JoinHandle`.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    pub(crate) fn shutdown(self) {
        // SAFETY: the vtable matches the cell; the caller passes its reference.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    pub(crate) fn ref_inc(self) {
        self.state().ref_inc();
    }

    /// Drops one reference, freeing the task if it was the last.
    pub(crate) fn drop_reference(self) {
        if self.state().ref_dec() {
            self.dealloc();
        }
    }

    /// Abort from any thread: cancels on the task's scheduler.
    pub(crate) fn remote_abort(self) {
        if self.state().transition_to_notified_and_cancel() {
            // We hold a new reference for the notification.
            self.schedule();
        }
    }
}
