//! The typed half of the task vtable: polling, completing, cancelling and reading the output
//! of a `Cell<F, S>`.
//!
//! Every function here is entered through the vtable with the task's pointer and relies on the
//! state word's ownership rules (see `state.rs`) for access to the stage and trailer.

use std::future::Future;
use std::mem;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::cell::{Cell, Header, Stage};
use super::current::IdGuard;
use super::raw::RawTask;
use super::state::{Snapshot, ToIdle, ToRunning};
use super::waker::waker_ref;
use super::{JoinError, Notified, Schedule, Task};

/// # Safety
/// `ptr` must point to a live `Cell<F, S>`.
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the caller's contract; `Header` is the first field of the `#[repr(C)]` cell.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// Replaces the stage, dropping the old one *in place* first: the future is pinned, so it
/// must not be moved out to be dropped (a self-referential future would be left pointing at
/// the vacated cell). A panicking `Drop` still leaves the new stage written. Returns the
/// panic of the drop, if any.
///
/// # Safety
/// The caller must have exclusive access to the stage (it holds `RUNNING`, or the state
/// rules give it the completed task's output).
unsafe fn replace_stage<F: Future, S>(
    cell: &Cell<F, S>,
    stage: Stage<F>,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    let dropped = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: exclusive access is the caller's contract; the old value is not used again.
        cell.core
            .stage
            .with_mut(|p| unsafe { std::ptr::drop_in_place(p) })
    }));
    // SAFETY: as above; the old value was dropped (fully, even if a field's drop panicked),
    // so writing without dropping it again is right.
    cell.core
        .stage
        .with_mut(|p| unsafe { std::ptr::write(p, stage) });
    dropped
}

pub(super) unsafe fn poll<F, S>(ptr: NonNull<Header>)
where
    F: Future,
    S: Schedule,
{
    // SAFETY: called through the vtable of a `Cell<F, S>` with a notification's reference.
    let (task, cell) = unsafe { (RawTask::from_raw(ptr), cell::<F, S>(ptr)) };
    match task.state().transition_to_running() {
        ToRunning::Success => {
            // SAFETY: we hold RUNNING.
            let yielded = match unsafe { poll_future(cell, &task) } {
                Polled::Ready => {
                    // SAFETY: we hold RUNNING and the output is stored.
                    unsafe { complete(cell, task) };
                    return;
                }
                Polled::Pending { yielded } => yielded,
            };
            match task.state().transition_to_idle(yielded) {
                ToIdle::Ok => {}
                ToIdle::OkNotified => {
                    // SAFETY: the poll's reference now backs this notification.
                    let notified = unsafe { Notified::from_raw(task.header_ptr()) };
                    cell.core.scheduler.yield_now(notified);
                }
                ToIdle::OkYielded => {
                    // SAFETY: the poll's reference now backs this notification.
                    let notified = unsafe { Notified::from_raw(task.header_ptr()) };
                    cell.core.scheduler.yield_deferred(notified);
                }
                ToIdle::OkDealloc => task.dealloc(),
                ToIdle::Cancelled => {
                    // SAFETY: transition_to_idle left RUNNING with us.
                    unsafe {
                        cancel_task(cell, &task);
                        complete(cell, task);
                    }
                }
            }
        }
        ToRunning::Cancelled => {
            // SAFETY: we hold RUNNING.
            unsafe {
                cancel_task(cell, &task);
                complete(cell, task);
            }
        }
        ToRunning::Failed => {}
        ToRunning::Dealloc => task.dealloc(),
    }
}

/// How a poll of the future ended.
enum Polled {
    Ready,
    /// `yielded`: the task deferred its own waker during the poll.
    Pending {
        yielded: bool,
    },
}

/// Polls the future once, storing its output (or panic) when it finishes. `Pending` says
/// whether the task deferred its own waker (yielded) during the poll.
///
/// # Safety
/// The caller holds `RUNNING`.
unsafe fn poll_future<F: Future, S>(cell: &Cell<F, S>, task: &RawTask) -> Polled {
    let id = cell.header.id;
    let guard = IdGuard::enter_poll(id, task.header_ptr());
    let waker = waker_ref(task);
    let mut cx = Context::from_waker(&waker);
    let res = catch_unwind(AssertUnwindSafe(|| {
        // A panicking poll drops its future while the panic unwinds, as tokio does (the
        // future's `Drop` sees `std::thread::panicking()`).
        let on_unwind = DropOnUnwind(cell);
        let res = cell.core.stage.with_mut(|p| {
            // SAFETY: RUNNING gives exclusive access to the stage; the future lives in the
            // heap cell and is never moved while `Running`, so pinning it is sound.
            match unsafe { &mut *p } {
                // SAFETY: as above: the future is pinned in the heap cell.
                Stage::Running(fut) => unsafe { Pin::new_unchecked(fut) }.poll(&mut cx),
                _ => unreachable!("task polled after it completed"),
            }
        });
        std::mem::forget(on_unwind);
        res
    }));
    let output = match res {
        Ok(Poll::Pending) => {
            return Polled::Pending {
                yielded: guard.finish_poll(),
            }
        }
        Ok(Poll::Ready(out)) => Ok(out),
        Err(payload) => Err(JoinError::panic(id, payload)),
    };
    // SAFETY: RUNNING gives exclusive access. If dropping the finished future panics, the
    // task's result becomes that panic, as it would had the poll itself panicked.
    if let Err(payload) = unsafe { replace_stage(cell, Stage::Finished(output)) } {
        // SAFETY: as above.
        let _ = unsafe { replace_stage(cell, Stage::Finished(Err(JoinError::panic(id, payload)))) };
    }
    Polled::Ready
}

/// Drops the stage in place (leaving `Consumed`) when a panicking poll unwinds through it.
struct DropOnUnwind<'a, F: Future, S>(&'a Cell<F, S>);

impl<F: Future, S> Drop for DropOnUnwind<'_, F, S> {
    fn drop(&mut self) {
        self.0.core.stage.with_mut(|p| {
            // SAFETY: only reached while the poll that holds RUNNING unwinds, so access is
            // exclusive; the future is dropped in place (it is pinned) and the slot then
            // rewritten without dropping it again. A panic in that drop aborts (a panic
            // during unwinding), so the slot is never left half-dropped and reused.
            unsafe {
                std::ptr::drop_in_place(p);
                std::ptr::write(p, Stage::Consumed);
            }
        });
    }
}

/// Drops the future and stores the cancellation (or the panic its `Drop` raised).
///
/// # Safety
/// The caller holds `RUNNING`.
unsafe fn cancel_task<F: Future, S>(cell: &Cell<F, S>, _task: &RawTask) {
    let id = cell.header.id;
    let _id = IdGuard::enter(id);
    // SAFETY: RUNNING gives exclusive access to the stage.
    let err = match unsafe { replace_stage(cell, Stage::Consumed) } {
        Ok(()) => JoinError::cancelled(id),
        Err(payload) => JoinError::panic(id, payload),
    };
    // SAFETY: as above; `Consumed` has nothing to drop.
    let _ = unsafe { replace_stage(cell, Stage::Finished(Err(err))) };
}

/// Publishes completion, wakes the joiner, releases the task from its owner and drops the
/// poller's reference (and the owner's, if released).
///
/// # Safety
/// The caller holds `RUNNING` and the output is stored; its reference is consumed.
unsafe fn complete<F: Future, S: Schedule>(cell: &Cell<F, S>, task: RawTask) {
    let snapshot = task.state().transition_to_complete();
    if !snapshot.is_join_interested() {
        // Nobody will read the output: drop it here, on the task's thread.
        let _id = IdGuard::enter(cell.header.id);
        // SAFETY: without join interest the output is ours alone.
        let _ = unsafe { replace_stage(cell, Stage::Consumed) };
    } else if snapshot.is_join_waker_set() {
        // SAFETY: JOIN_WAKER set after COMPLETE: the runtime owns the waker field.
        let _ = catch_unwind(AssertUnwindSafe(|| unsafe { cell.trailer.wake_join() }));
        let after = task.state().unset_waker_after_complete();
        if !after.is_join_interested() {
            // SAFETY: the JoinHandle is gone and left the waker to us.
            unsafe { cell.trailer.set_waker(None) };
        }
    }
    // SAFETY: the task is alive; `Task` here borrows (forgotten below) the poller's ref.
    let me = mem::ManuallyDrop::new(unsafe { Task::<S>::from_raw(task.header_ptr()) });
    let released = cell.core.scheduler.release(&me);
    let count = match released {
        Some(owned) => {
            // Its reference is dropped with ours in one atomic op below.
            mem::forget(owned);
            2
        }
        None => 1,
    };
    if task.state().transition_to_terminal(count) {
        task.dealloc();
    }
}

pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: called through the vtable with a notification's reference.
    let (cell, notified) = unsafe { (cell::<F, S>(ptr), Notified::from_raw(ptr)) };
    cell.core.scheduler.schedule(notified);
}

pub(super) unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the last reference is gone; the cell was made by `Box::new` in `Cell::new`.
    drop(unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) });
}

pub(super) unsafe fn try_read_output<F: Future, S>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: called through the vtable by the JoinHandle, which holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: the JoinHandle is the only caller, so it has the join-waker rights.
    if unsafe { can_read_output(cell, waker) } {
        // SAFETY: COMPLETE with join interest: the output is the JoinHandle's alone.
        let stage = cell
            .core
            .stage
            .with_mut(|p| unsafe { mem::replace(&mut *p, Stage::Consumed) });
        let out = match stage {
            Stage::Finished(out) => out,
            _ => panic!("JoinHandle polled after completion"),
        };
        // SAFETY: the caller passes a `*mut Poll<Result<F::Output, JoinError>>`.
        unsafe { *(dst as *mut Poll<Result<F::Output, JoinError>>) = Poll::Ready(out) };
    }
}

/// Returns `true` if the output is ready; otherwise makes sure `waker` is the join waker.
///
/// # Safety
/// Only the `JoinHandle` calls this.
unsafe fn can_read_output<F: Future, S>(cell: &Cell<F, S>, waker: &Waker) -> bool {
    let state = &cell.header.state;
    let snapshot = state.load();
    debug_assert!(snapshot.is_join_interested());
    if snapshot.is_complete() {
        return true;
    }
    let res = if !snapshot.is_join_waker_set() {
        // SAFETY: JOIN_WAKER clear: the field is ours.
        unsafe { set_join_waker(cell, waker.clone()) }
    } else {
        // SAFETY: JOIN_WAKER set: shared read access is allowed.
        if unsafe { cell.trailer.will_wake(waker) } {
            return false;
        }
        state
            .unset_join_waker()
            // SAFETY: the field is ours again once JOIN_WAKER is cleared.
            .and_then(|_| unsafe { set_join_waker(cell, waker.clone()) })
    };
    match res {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

/// # Safety
/// The caller owns the join-waker field (JOIN_WAKER clear).
unsafe fn set_join_waker<F: Future, S>(
    cell: &Cell<F, S>,
    waker: Waker,
) -> Result<Snapshot, Snapshot> {
    // SAFETY: the caller owns the field.
    unsafe { cell.trailer.set_waker(Some(waker)) };
    let res = cell.header.state.set_join_waker();
    if res.is_err() {
        // Completed meanwhile: the field stays ours; do not keep a stale waker.
        // SAFETY: still ours, since publishing failed.
        unsafe { cell.trailer.set_waker(None) };
    }
    res
}

pub(super) unsafe fn drop_join_handle_slow<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: called through the vtable by the JoinHandle, which holds a reference.
    let (task, cell) = unsafe { (RawTask::from_raw(ptr), cell::<F, S>(ptr)) };
    let (prev, next) = task.state().transition_to_join_handle_dropped();
    if prev.is_complete() {
        // The output was left for us: drop it here.
        let _id = IdGuard::enter(cell.header.id);
        // SAFETY: COMPLETE with join interest until now: the output is ours.
        let _ = unsafe { replace_stage(cell, Stage::Consumed) };
    }
    if !next.is_join_waker_set() {
        // SAFETY: JOIN_WAKER clear: the field is ours.
        unsafe { cell.trailer.set_waker(None) };
    }
    task.drop_reference();
}

pub(super) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: called through the vtable with the caller's reference.
    let (task, cell) = unsafe { (RawTask::from_raw(ptr), cell::<F, S>(ptr)) };
    if !task.state().transition_to_shutdown() {
        // Running elsewhere (it will see CANCELLED) or already complete.
        task.drop_reference();
        return;
    }
    // SAFETY: transition_to_shutdown gave us RUNNING.
    unsafe {
        cancel_task(cell, &task);
        complete(cell, task);
    }
}
