//! The LIFO slot: the task most recently woken by the running task, polled next for cache
//! locality (a message sent to a waiting receiver is handled while still hot).
//!
//! tokio's slot can only be emptied by its owner, so a task woken into it waits behind
//! whatever long poll its owner is in (tokio#4941). Ours is one atomic pointer that other
//! workers may also take: an idle worker that sees a slot occupied across two of its looks,
//! with the owner's poll counter unchanged in between, takes the task. The owner's fast path
//! stays one swap per push and pop.

use std::ptr::{self, NonNull};

use crate::loom::sync::atomic::{AtomicPtr, Ordering::*};
use crate::task::{Header, Notified};

pub(crate) struct LifoSlot<S: 'static> {
    ptr: AtomicPtr<Header>,
    _tasks: std::marker::PhantomData<Notified<S>>,
}

impl<S: 'static> LifoSlot<S> {
    pub(crate) fn new() -> LifoSlot<S> {
        LifoSlot {
            ptr: AtomicPtr::new(ptr::null_mut()),
            _tasks: std::marker::PhantomData,
        }
    }

    /// Puts `task` in the slot, returning the task it displaced.
    pub(crate) fn push(&self, task: Notified<S>) -> Option<Notified<S>> {
        let new = task.into_raw().as_ptr();
        let prev = self.ptr.swap(new, AcqRel);
        // SAFETY: a non-null pointer in the slot carries a notification's reference, which
        // the swap handed to us.
        NonNull::new(prev).map(|p| unsafe { Notified::from_raw(p) })
    }

    /// Takes the task in the slot (owner, or a thief rescuing a stranded task).
    pub(crate) fn take(&self) -> Option<Notified<S>> {
        if self.ptr.load(Relaxed).is_null() {
            return None;
        }
        let prev = self.ptr.swap(ptr::null_mut(), AcqRel);
        // SAFETY: as in `push`.
        NonNull::new(prev).map(|p| unsafe { Notified::from_raw(p) })
    }

    pub(crate) fn is_occupied(&self) -> bool {
        !self.ptr.load(Relaxed).is_null()
    }
}

impl<S: 'static> Drop for LifoSlot<S> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

// SAFETY: the slot hands each notification to exactly one taker through atomic swaps.
unsafe impl<S> Send for LifoSlot<S> {}
// SAFETY: as for `Send`.
unsafe impl<S> Sync for LifoSlot<S> {}
