//! Task identifiers: unique among all tasks alive at the same time, in every runtime.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// An opaque ID that uniquely identifies a task relative to all other currently running
/// tasks.
///
/// IDs may be reused once a task has completed; they are never zero.
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(pub(crate) NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        // Not a loom atomic on purpose: IDs are bookkeeping, not synchronisation.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        loop {
            let id = NEXT.fetch_add(1, Ordering::Relaxed);
            if let Some(id) = NonZeroU64::new(id) {
                return Id(id);
            }
        }
    }

    /// The ID as a number, for logs and metrics.
    pub fn as_u64(&self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Returns the [`Id`] of the currently running task.
///
/// # Panics
///
/// Panics if called from outside a task. See [`try_id`] for a variant that does not.
///
/// # Examples
///
/// ```
/// assert!(magpie_sched::task::try_id().is_none());
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("Can't get a task id when not inside a task")
}

/// Returns the [`Id`] of the currently running task, or `None` outside a task.
pub fn try_id() -> Option<Id> {
    super::current::id()
}
