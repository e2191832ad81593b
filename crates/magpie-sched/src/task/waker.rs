//! Wakers built straight from the task pointer: cloning one is a reference-count increment,
//! never an allocation.

use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::cell::Header;
use super::raw::RawTask;
use super::state::Wake;

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A borrowed waker for one poll: the poller's reference keeps the task alive, so this does
/// not take one. Returned inside `ManuallyDrop` so dropping it does not release anything.
pub(crate) fn waker_ref(task: &RawTask) -> std::mem::ManuallyDrop<Waker> {
    let raw = RawWaker::new(task.header_ptr().as_ptr() as *const (), &VTABLE);
    // SAFETY: as in `waker_from_ref`; `ManuallyDrop` stops the borrowed waker's drop from
    // releasing a reference it never took.
    std::mem::ManuallyDrop::new(unsafe { Waker::from_raw(raw) })
}

/// Whether `waker` is a task waker of this crate (its data is then a task header).
pub(crate) fn is_task_waker(waker: &Waker) -> bool {
    std::ptr::eq(waker.vtable(), &VTABLE)
}

fn task_of(ptr: *const ()) -> RawTask {
    // SAFETY: every waker with this vtable was built from a live task's header pointer, and
    // the waker holds (or borrows) a reference that keeps it live.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    task_of(ptr).ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    let task = task_of(ptr);
    match task.state().transition_to_notified_by_val() {
        Wake::Submit => task.schedule(),
        Wake::Dealloc => task.dealloc(),
        Wake::DoNothing => {}
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    let task = task_of(ptr);
    if task.state().transition_to_notified_by_ref() == Wake::Submit {
        task.schedule();
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    task_of(ptr).drop_reference();
}
