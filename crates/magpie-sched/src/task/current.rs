//! What this thread is polling: the task's ID (for `task::id()`) and, during a poll, the
//! task itself, so a task that defers its own waker (`yield_now`) can be handed to its
//! scheduler's list of yielded tasks by the harness instead of through a waker clone and a
//! wake.
//!
//! One thread-local holds all of it, so entering and leaving a poll is one TLS lookup.

use std::cell::Cell;
use std::ptr::NonNull;
use std::task::Waker;

use super::cell::Header;
use super::id::Id;

/// Set in [`Current::task`] once the polled task deferred its own waker (task headers are
/// at least word-aligned, so the bit is free).
const YIELDED: usize = 1;
const _: () = assert!(std::mem::align_of::<Header>() > YIELDED);

struct Current {
    id: Cell<Option<Id>>,
    /// The address of the task being polled, tagged with [`YIELDED`]; 0 outside a poll (a
    /// cancel or a drop of the future sets only the ID).
    task: Cell<usize>,
}

thread_local! {
    static CURRENT: Current = const {
        Current {
            id: Cell::new(None),
            task: Cell::new(0),
        }
    };
}

/// The running task's ID, if any.
pub(super) fn id() -> Option<Id> {
    CURRENT.try_with(|c| c.id.get()).unwrap_or(None)
}

/// Restores what was current before, on drop (polls nest: a `LocalSet` polled by a task
/// polls its own tasks).
pub(crate) struct IdGuard {
    id: Option<Id>,
    task: usize,
}

impl IdGuard {
    /// Sets the current task's ID for a cancel or a drop of its future: no yield can be
    /// recorded meanwhile.
    pub(crate) fn enter(id: Id) -> IdGuard {
        Self::set(Some(id), 0)
    }

    /// Sets the current task for a poll of `task`.
    #[inline]
    pub(crate) fn enter_poll(id: Id, task: NonNull<Header>) -> IdGuard {
        Self::set(Some(id), task.as_ptr() as usize)
    }

    #[inline]
    fn set(id: Option<Id>, task: usize) -> IdGuard {
        CURRENT
            .try_with(|c| IdGuard {
                id: c.id.replace(id),
                task: c.task.replace(task),
            })
            // Lazily: a guard built up front would be dropped at once, resetting the slot.
            .unwrap_or_else(|_| IdGuard { id: None, task: 0 })
    }

    /// Ends a poll: restores what was current and returns whether the polled task deferred
    /// its own waker during it.
    #[inline]
    pub(crate) fn finish_poll(self) -> bool {
        let this = std::mem::ManuallyDrop::new(self);
        CURRENT
            .try_with(|c| {
                c.id.set(this.id);
                c.task.replace(this.task) & YIELDED != 0
            })
            .unwrap_or(false)
    }
}

impl Drop for IdGuard {
    #[inline]
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| {
            c.id.set(self.id);
            c.task.set(self.task);
        });
    }
}

/// If `waker` is the waker of the task this thread is polling, records that the task
/// yielded and returns `true`: the harness then hands the task to its scheduler's list of
/// yielded tasks when the poll returns `Pending`, which saves a reference-count increment
/// and a wake's state transition per yield.
#[inline]
pub(crate) fn defer_self(waker: &Waker) -> bool {
    CURRENT
        .try_with(|c| {
            let task = c.task.get();
            let mine = task != 0
                && waker.data() as usize == task & !YIELDED
                && super::waker::is_task_waker(waker);
            if mine {
                c.task.set(task | YIELDED);
            }
            mine
        })
        .unwrap_or(false)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    use crate::task::{unowned, Id, Notified, Schedule, Task};

    /// Counts schedules and runs them at once.
    #[derive(Clone, Default)]
    struct Inline(Arc<AtomicUsize>);

    impl Schedule for Inline {
        fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
            None
        }
        fn schedule(&self, task: Notified<Self>) {
            self.0.fetch_add(1, SeqCst);
            task.run();
        }
    }

    #[test]
    fn yield_parks_the_task_itself_in_the_defer_list() {
        let sched = Inline::default();
        let (notified, join) = unowned(
            async {
                crate::yield_now().await;
                crate::yield_now().await;
                7
            },
            sched.clone(),
            Id::next(),
        );
        let raw = join.raw();
        crate::coop::with_defer(|| {
            notified.run();
            // Parked as a notification, not as a waker clone: NOTIFIED is set while it
            // waits, and it holds the poll's reference (plus the JoinHandle's).
            let state = raw.state().load();
            assert!(state.is_notified() && !state.is_running());
            assert_eq!(state.ref_count(), 2);
            assert_eq!(sched.0.load(SeqCst), 0);
            assert!(crate::coop::wake_deferred());
            assert_eq!(sched.0.load(SeqCst), 1);
            assert!(crate::coop::wake_deferred());
            assert_eq!(sched.0.load(SeqCst), 2);
            assert!(!crate::coop::wake_deferred());
        });
        assert!(raw.state().load().is_complete());
        drop(join);
    }

    #[test]
    fn yield_outside_a_defer_scope_reschedules_at_once() {
        let sched = Inline::default();
        let (notified, join) = unowned(
            async {
                crate::yield_now().await;
                7
            },
            sched.clone(),
            Id::next(),
        );
        let raw = join.raw();
        notified.run();
        assert_eq!(sched.0.load(SeqCst), 1);
        assert!(raw.state().load().is_complete());
        drop(join);
    }
}
