//! An intrusive doubly linked list of timer entries: one per wheel slot, plus the list of
//! expired entries waiting to be fired.
//!
//! Order inside a list carries no meaning (every entry of a slot is handled when the slot
//! is), so entries are pushed and popped at the head: O(1) push, pop and unlink, and no
//! tail pointer to keep.

use std::ptr::NonNull;

use crate::entry::{with_links, Entry, NOWHERE};

#[derive(Default)]
pub(crate) struct List {
    head: Option<NonNull<Entry>>,
}

impl List {
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Links `entry` at the head and records `location` in it.
    ///
    /// # Safety
    ///
    /// `entry` is alive, in no list, and the caller holds the lock of the shard that owns
    /// this list.
    #[inline]
    pub(crate) unsafe fn push(&mut self, entry: NonNull<Entry>, location: u16) {
        let old = self.head;
        // SAFETY: the caller's contract.
        unsafe {
            with_links(entry, |l| {
                l.prev = None;
                l.next = old;
                l.location = location;
            })
        };
        if let Some(old) = old {
            // SAFETY: entries in a list are alive (their owners unlink them, under the lock
            // we hold, before they are freed).
            unsafe { with_links(old, |l| l.prev = Some(entry)) };
        }
        self.head = Some(entry);
    }

    /// Unlinks and returns the head entry, marking it as being nowhere.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the shard that owns this list.
    #[inline]
    pub(crate) unsafe fn pop(&mut self) -> Option<NonNull<Entry>> {
        let entry = self.head?;
        // SAFETY: listed entries are alive; we hold the lock.
        let next = unsafe {
            with_links(entry, |l| {
                l.location = NOWHERE;
                l.prev = None;
                l.next.take()
            })
        };
        if let Some(next) = next {
            // SAFETY: as above.
            unsafe { with_links(next, |l| l.prev = None) };
        }
        self.head = next;
        Some(entry)
    }

    /// Unlinks `entry`, which must be in this list.
    ///
    /// # Safety
    ///
    /// `entry` is alive and linked in this list; the caller holds the shard lock.
    #[inline]
    pub(crate) unsafe fn remove(&mut self, entry: NonNull<Entry>) {
        // SAFETY: the caller's contract.
        let (prev, next) = unsafe {
            with_links(entry, |l| {
                l.location = NOWHERE;
                (l.prev.take(), l.next.take())
            })
        };
        match prev {
            // SAFETY: neighbours in a list are alive; we hold the lock.
            Some(prev) => unsafe { with_links(prev, |l| l.next = next) },
            None => {
                debug_assert_eq!(self.head, Some(entry), "entry is not in this list");
                self.head = next;
            }
        }
        if let Some(next) = next {
            // SAFETY: as above.
            unsafe { with_links(next, |l| l.prev = prev) };
        }
    }

    /// Moves every entry out into a new list, leaving this one empty.
    #[inline]
    pub(crate) fn take(&mut self) -> List {
        List {
            head: self.head.take(),
        }
    }
}
