//! Receivers waiting for the next value: the intrusive waiter list under the tail lock,
//! its registration, and the batched wake-up senders do.

use std::marker::PhantomPinned;
use std::ptr::NonNull;
use std::task::Waker;

use crate::linked_list::{Link, LinkedList, Pointers};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::wake_list::WakeList;

use super::Tail;

/// The list node a waiting `recv` embeds in its future.
pub(super) struct Waiter {
    pointers: Pointers<Waiter>,
    /// Accessed only under the tail lock.
    waker: UnsafeCell<Option<Waker>>,
    /// Whether the node is linked. Written only under the tail lock; read without it by
    /// the owner, so a future that was woken (and so unlinked) finishes or goes away
    /// without taking the lock. Clearing it is the waker's last access to the node.
    queued: AtomicBool,
    _pin: PhantomPinned,
}

// SAFETY: `pointers` is the `Pointers<Waiter>` field of the node.
unsafe impl Link for Waiter {
    unsafe fn pointers(target: NonNull<Waiter>) -> NonNull<Pointers<Waiter>> {
        // SAFETY: `target` is live (caller contract); taking a field address does not read.
        unsafe { NonNull::new_unchecked(&raw mut (*target.as_ptr()).pointers) }
    }
}

// SAFETY: the links and the waker are accessed only under the tail lock; `queued` is atomic.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

impl Waiter {
    pub(super) fn new() -> Waiter {
        Waiter {
            pointers: Pointers::new(),
            waker: UnsafeCell::new(None),
            queued: AtomicBool::new(false),
            _pin: PhantomPinned,
        }
    }

    /// Stores `waker` and links the node unless it already is. Returns the waker it
    /// replaced, which the caller must drop only after releasing the tail lock: a waker's
    /// drop may run arbitrary code, sending on this very channel included.
    ///
    /// # Safety
    ///
    /// `waiters` is the list of the tail whose lock the caller holds, and the node stays in
    /// place until it is unlinked (the owning future is pinned and unlinks in `drop`).
    #[must_use = "drop the replaced waker after releasing the tail lock"]
    pub(super) unsafe fn register(
        &self,
        waiters: &mut LinkedList<Waiter>,
        waker: &Waker,
    ) -> Option<Waker> {
        // SAFETY: the waker cell is only accessed under the tail lock, which the caller holds.
        let replaced = unsafe {
            self.waker.with_mut(|w| match &mut *w {
                Some(old) if old.will_wake(waker) => None,
                slot => slot.replace(waker.clone()),
            })
        };
        // Only written under the lock we hold, so a relaxed load sees the latest value.
        if !self.queued.load(Relaxed) {
            self.queued.store(true, Relaxed);
            // SAFETY: the node is not linked (`queued` is false), the caller keeps it in
            // place until unlinked, and we hold the lock guarding the list.
            unsafe { waiters.push_back(NonNull::from(self)) };
        }
        replaced
    }

    /// Unlinks the node if a sender has not already: the owner calls this before the node
    /// goes away or once it has its result. Takes the tail lock only if still linked.
    ///
    /// # Safety
    ///
    /// `tail` is the lock of the list the node was registered in, if it ever was.
    pub(super) unsafe fn unregister(&self, tail: &Mutex<Tail>) {
        // Acquire: a waker that unlinked us cleared the flag last, after its final access
        // to the node; seeing `false` means it is done with it.
        if !self.queued.load(Acquire) {
            return;
        }
        let mut tail = tail.lock();
        if self.queued.load(Relaxed) {
            self.queued.store(false, Relaxed);
            // SAFETY: `queued` is only set while the node is linked in this list (caller
            // contract), and we hold its lock.
            unsafe { tail.waiters.remove(NonNull::from(self)) };
        }
    }
}

/// Wakes every waiting receiver, releasing the tail lock before any waker runs.
pub(super) fn wake_all(mut tail: MutexGuard<'_, Tail>) {
    if tail.waiters.is_empty() {
        return;
    }
    let mut wakers = WakeList::new();
    while let Some(node) = tail.waiters.pop_front() {
        // SAFETY: the node was linked, so its `Recv` future is alive: a linked node is
        // unlinked under this lock (which we hold) before its future goes away.
        let waiter = unsafe { node.as_ref() };
        // SAFETY: the waker cell is only accessed under the tail lock, which we hold.
        if let Some(w) = unsafe { waiter.waker.with_mut(|w| (*w).take()) } {
            wakers.push_spill(w);
        }
        // Release, and last: once the owner sees `false` it may free the node.
        waiter.queued.store(false, Release);
    }
    drop(tail);
    wakers.wake_all();
}
