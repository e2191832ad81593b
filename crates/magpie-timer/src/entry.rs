//! A timer entry: the intrusive node that lives inside a pinned `Sleep`.
//!
//! The wheel links entries through pointers stored in the entries themselves, so putting a
//! `Sleep` on the wheel allocates nothing: the `Sleep` *is* the node. This is sound because
//! a `Sleep` is `!Unpin` (its address cannot change once polled) and its destructor unlinks
//! the entry under the shard lock before the memory goes away.
//!
//! Two kinds of fields, two disciplines:
//! - [`Links`] (list pointers, deadline tick, location) are read and written only while
//!   holding the lock of the shard the entry is registered in;
//! - `state` and the [`WakerSlot`] are lock-free, so a poll that finds the entry still
//!   pending costs no lock.

use std::marker::PhantomPinned;
use std::ptr::NonNull;

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicU64, Ordering};
use crate::waker::WakerSlot;

/// The entry is on no wheel and has not fired: the next poll registers it.
pub(crate) const IDLE: u64 = u64::MAX;
/// The driver has taken the entry off its wheel and is taking its waker (it still holds
/// the shard lock and may touch the entry).
pub(crate) const FIRING: u64 = u64::MAX - 1;
/// The entry has fired and nobody but its owner references it any more.
pub(crate) const FIRED: u64 = u64::MAX - 2;
/// Ticks are clamped below this, so a registered entry's state (its deadline tick) never
/// collides with the markers above.
pub(crate) const MAX_TICK: u64 = u64::MAX - 16;

/// Where an entry is linked, as stored in [`Links::location`].
pub(crate) const NOWHERE: u16 = u16::MAX;
/// The entry is in the wheel's list of expired entries waiting to be fired.
pub(crate) const EXPIRED_LIST: u16 = u16::MAX - 1;

/// The lock-protected part of an entry.
pub(crate) struct Links {
    pub(crate) prev: Option<NonNull<Entry>>,
    pub(crate) next: Option<NonNull<Entry>>,
    /// The deadline tick the entry is filed under.
    pub(crate) when: u64,
    /// `level * 64 + slot`, [`EXPIRED_LIST`] or [`NOWHERE`].
    pub(crate) location: u16,
}

pub(crate) struct Entry {
    links: UnsafeCell<Links>,
    /// A deadline tick while registered, else one of [`IDLE`], [`FIRING`], [`FIRED`].
    pub(crate) state: AtomicU64,
    pub(crate) waker: WakerSlot,
    _pinned: PhantomPinned,
}

// SAFETY: the raw pointers in `links` are only followed by a thread that holds the lock of
// the shard the entry is linked in (see the module doc); everything else is atomic.
unsafe impl Send for Entry {}
// SAFETY: as for `Send`: shared access never touches `links` without the shard lock.
unsafe impl Sync for Entry {}

impl Entry {
    pub(crate) fn new() -> Entry {
        Entry {
            links: UnsafeCell::new(Links {
                prev: None,
                next: None,
                when: 0,
                location: NOWHERE,
            }),
            state: AtomicU64::new(IDLE),
            waker: WakerSlot::new(),
            _pinned: PhantomPinned,
        }
    }

    /// Whether the entry has fired (its owner may complete).
    #[inline]
    pub(crate) fn has_fired(&self) -> bool {
        matches!(self.state.load(Ordering::Acquire), FIRING | FIRED)
    }
}

/// Under loom, dropping an entry counts as a write of its links, so a model in which a
/// wheel could still follow them while the owner frees the entry fails.
#[cfg(loom)]
impl Drop for Entry {
    fn drop(&mut self) {
        self.links.with_mut(|_| ());
    }
}

/// Runs `f` on the links of `entry`.
///
/// # Safety
///
/// `entry` must point to a live entry and the caller must hold the lock of the shard the
/// entry is (or is being) registered in, and must not be inside another `with_links` call
/// on the same entry.
#[inline]
pub(crate) unsafe fn with_links<R>(entry: NonNull<Entry>, f: impl FnOnce(&mut Links) -> R) -> R {
    // SAFETY: the caller guarantees the entry is alive and that the shard lock gives us
    // exclusive access to its links.
    unsafe { entry.as_ref() }
        .links
        // SAFETY: exclusive access, as above.
        .with_mut(|links| f(unsafe { &mut *links }))
}
