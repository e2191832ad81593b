//! The task's state word: lifecycle flags and the reference count in one atomic.
//!
//! Every transition is one compare-and-swap or one fetch-op, so a wake from a foreign
//! thread, a poll on a worker, an abort and a `JoinHandle` drop can race freely; the loom
//! tests in `tests/loom_task.rs` check each pair of them.
//!
//! Who owns what:
//! * `RUNNING` is held by the thread polling (or cancelling) the future: only it touches the
//!   stage cell.
//! * `JOIN_WAKER` clear: the `JoinHandle` owns the join-waker field. Set: the runtime may read
//!   it; after `COMPLETE` the runtime owns it until it clears the bit again.
//! * The reference count counts: the owned-task list's entry, the `JoinHandle`, each
//!   `Notified` in a queue (at most one: `NOTIFIED` guards it), each `Waker` and
//!   `AbortHandle`. The last one frees the allocation.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::fmt;

const RUNNING: usize = 0b00_0001;
const COMPLETE: usize = 0b00_0010;
const LIFECYCLE: usize = RUNNING | COMPLETE;
const NOTIFIED: usize = 0b00_0100;
const JOIN_INTEREST: usize = 0b00_1000;
const JOIN_WAKER: usize = 0b01_0000;
const CANCELLED: usize = 0b10_0000;
const FLAGS: usize = 0b11_1111;
const REF_SHIFT: u32 = FLAGS.count_ones();
pub(crate) const REF_ONE: usize = 1 << REF_SHIFT;

/// A new task: referenced by the owned list, its `JoinHandle` and the `Notified` that
/// schedules its first poll.
const INITIAL: usize = (REF_ONE * 3) | JOIN_INTEREST | NOTIFIED;

pub(crate) struct State {
    val: AtomicUsize,
}

#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// The result of trying to start a poll.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// The poller holds `RUNNING`: poll the future.
    Success,
    /// The poller holds `RUNNING` but the task was aborted: cancel it.
    Cancelled,
    /// The task is running elsewhere or complete: the notification's reference was dropped.
    Failed,
    /// As `Failed`, and that was the last reference.
    Dealloc,
}

/// The result of ending a poll that returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Idle; the poll's reference was dropped (not the last).
    Ok,
    /// Woken during the poll: the poll's reference now backs a new notification.
    OkNotified,
    /// Yielded into the defer list: the poll's reference now backs a notification for it.
    OkYielded,
    /// Idle and the poll's reference was the last.
    OkDealloc,
    /// Aborted during the poll: the poller keeps `RUNNING` and cancels the task.
    Cancelled,
}

/// What a wake must do after updating the state.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    DoNothing,
    Submit,
    Dealloc,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            val: AtomicUsize::new(INITIAL),
        }
    }

    /// A task that is not in an owned list (blocking tasks): two references.
    pub(crate) fn new_unowned() -> State {
        State {
            val: AtomicUsize::new(INITIAL - REF_ONE),
        }
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    #[inline]
    fn fetch_update<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut curr = self.load();
        loop {
            let (out, next) = f(curr);
            let Some(next) = next else { return out };
            match self
                .val
                .compare_exchange_weak(curr.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// Claims the right to poll, consuming the `NOTIFIED` flag.
    #[inline]
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.fetch_update(|mut next| {
            assert!(next.is_notified(), "polled a task that was not notified");
            if !next.is_idle() {
                next.ref_dec();
                let action = if next.ref_count() == 0 {
                    ToRunning::Dealloc
                } else {
                    ToRunning::Failed
                };
                return (action, Some(next));
            }
            next.0 |= RUNNING;
            next.0 &= !NOTIFIED;
            let action = if next.is_cancelled() {
                ToRunning::Cancelled
            } else {
                ToRunning::Success
            };
            (action, Some(next))
        })
    }

    /// Ends a poll that returned `Pending`. With `yielded` (the task deferred its own waker
    /// during the poll), the poll's reference becomes a notification that the caller parks
    /// in the defer list, as a waker clone that is woken later would have.
    #[inline]
    pub(crate) fn transition_to_idle(&self, yielded: bool) -> ToIdle {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_running());
            if curr.is_cancelled() {
                return (ToIdle::Cancelled, None);
            }
            let mut next = curr;
            next.0 &= !RUNNING;
            if next.is_notified() {
                // The wake during the poll left its reference to us: reuse ours instead.
                (ToIdle::OkNotified, Some(next))
            } else if yielded {
                // Later wakes see NOTIFIED and leave the task to the deferred notification.
                next.0 |= NOTIFIED;
                (ToIdle::OkYielded, Some(next))
            } else {
                next.ref_dec();
                if next.ref_count() == 0 {
                    (ToIdle::OkDealloc, Some(next))
                } else {
                    (ToIdle::Ok, Some(next))
                }
            }
        })
    }

    /// `RUNNING` -> `COMPLETE`. Returns the state before.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        prev
    }

    /// Drops `count` references after completion; returns whether they were the last.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        assert!(
            prev.ref_count() >= count,
            "task reference count underflow: {} < {}",
            prev.ref_count(),
            count
        );
        prev.ref_count() == count
    }

    /// A wake that consumes the waker's reference.
    pub(crate) fn transition_to_notified_by_val(&self) -> Wake {
        self.fetch_update(|mut next| {
            let action = if next.is_running() {
                // The poller will see NOTIFIED and reschedule with its own reference.
                next.0 |= NOTIFIED;
                next.ref_dec();
                debug_assert!(next.ref_count() > 0);
                Wake::DoNothing
            } else if next.is_complete() || next.is_notified() {
                next.ref_dec();
                if next.ref_count() == 0 {
                    Wake::Dealloc
                } else {
                    Wake::DoNothing
                }
            } else {
                // The waker's reference becomes the notification's.
                next.0 |= NOTIFIED;
                Wake::Submit
            };
            (action, Some(next))
        })
    }

    /// A wake that keeps the waker's reference.
    pub(crate) fn transition_to_notified_by_ref(&self) -> Wake {
        self.fetch_update(|mut next| {
            if next.is_complete() || next.is_notified() {
                (Wake::DoNothing, None)
            } else if next.is_running() {
                next.0 |= NOTIFIED;
                (Wake::DoNothing, Some(next))
            } else {
                next.0 |= NOTIFIED;
                next.ref_inc();
                (Wake::Submit, Some(next))
            }
        })
    }

    /// Abort from any thread. Returns `true` if the caller must submit a notification (it
    /// holds a new reference for it) so the task is cancelled on its scheduler.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.fetch_update(|mut next| {
            if next.is_cancelled() || next.is_complete() {
                (false, None)
            } else if next.is_running() || next.is_notified() {
                // The poller (or the pending poll) observes CANCELLED.
                next.0 |= NOTIFIED | CANCELLED;
                (false, Some(next))
            } else {
                next.0 |= NOTIFIED | CANCELLED;
                next.ref_inc();
                (true, Some(next))
            }
        })
    }

    /// Shutdown by the owner: marks `CANCELLED` and, if the task is idle, claims `RUNNING`
    /// so the caller cancels it in place. Returns whether it claimed it.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update(|mut next| {
            let idle = next.is_idle();
            if idle {
                next.0 |= RUNNING;
            }
            next.0 |= CANCELLED;
            (idle, Some(next))
        })
    }

    /// The common case of dropping a `JoinHandle` of a task nobody has touched yet.
    pub(crate) fn drop_join_handle_fast(&self) -> Result<(), ()> {
        self.val
            .compare_exchange(
                INITIAL,
                (INITIAL - REF_ONE) & !JOIN_INTEREST,
                Release,
                Relaxed,
            )
            .map(|_| ())
            .map_err(|_| ())
    }

    /// Clears `JOIN_INTEREST` (and `JOIN_WAKER` if the task is not complete, taking the
    /// waker field back). Returns (before, after).
    pub(crate) fn transition_to_join_handle_dropped(&self) -> (Snapshot, Snapshot) {
        self.fetch_update(|prev| {
            let mut next = prev;
            next.0 &= !JOIN_INTEREST;
            if !prev.is_complete() {
                next.0 &= !JOIN_WAKER;
            }
            ((prev, next), Some(next))
        })
    }

    /// Publishes the join waker the `JoinHandle` just wrote. Fails if the task completed.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_join_interested() && !curr.is_join_waker_set());
            if curr.is_complete() {
                return (Err(curr), None);
            }
            let next = Snapshot(curr.0 | JOIN_WAKER);
            (Ok(next), Some(next))
        })
    }

    /// Takes the join waker field back to replace it. Fails if the task completed.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|curr| {
            debug_assert!(curr.is_join_interested() && curr.is_join_waker_set());
            if curr.is_complete() {
                return (Err(curr), None);
            }
            let next = Snapshot(curr.0 & !JOIN_WAKER);
            (Ok(next), Some(next))
        })
    }

    /// After completion and waking the joiner: hands the waker field back.
    pub(crate) fn unset_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        // Like `Arc`: a count this large means a leak loop; abort rather than overflow.
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Drops one reference; returns whether it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, AcqRel));
        assert!(prev.ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }
}

impl Snapshot {
    pub(crate) fn is_idle(self) -> bool {
        self.0 & LIFECYCLE == 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }
    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interested", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}
