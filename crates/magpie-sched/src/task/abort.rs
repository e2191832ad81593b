//! `AbortHandle`: cancels a task without being able to await it.

use std::fmt;

use super::{Id, RawTask};

/// An owned permission to abort a spawned task, without awaiting its completion.
///
/// Dropping it does nothing to the task.
pub struct AbortHandle {
    raw: RawTask,
}

// As for `JoinHandle`: aborting is one state transition, safe across `catch_unwind`.
impl std::panic::UnwindSafe for AbortHandle {}
impl std::panic::RefUnwindSafe for AbortHandle {}

// SAFETY: the handle only touches the task's atomic state.
unsafe impl Send for AbortHandle {}
// SAFETY: as for `Send`.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    pub(crate) fn new(raw: RawTask) -> AbortHandle {
        AbortHandle { raw }
    }

    /// Aborts the task; see [`JoinHandle::abort`](super::JoinHandle::abort).
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// Returns `true` if the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// The task's [`Id`].
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> Self {
        self.raw.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}
