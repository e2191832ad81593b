//! The waker slot of a timer entry: written by the task that polls the `Sleep`, taken by
//! the driver that fires it, without a lock.
//!
//! Registering a waker must not take the shard lock (a `Sleep` is polled far more often
//! than it is registered), so the slot is a small three-state protocol: the poller holds
//! `REGISTERING` while it swaps the waker in, the driver sets `WAKING` while it takes it
//! out. If the two overlap, the driver backs off and the poller, on seeing `WAKING` when
//! it finishes, wakes the waker it just stored itself. Either way the task is woken once
//! the entry has fired, which is all the `Sleep` needs: it re-reads the entry state after
//! every registration.

use std::task::Waker;

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};

const WAITING: usize = 0;
const REGISTERING: usize = 0b01;
const WAKING: usize = 0b10;

pub(crate) struct WakerSlot {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker inside is only touched by the thread that owns the `REGISTERING` or
// `WAKING` bit of `state` (see `register` and `take`), so sharing the slot is sound; `Waker`
// itself is `Send + Sync`.
unsafe impl Send for WakerSlot {}
// SAFETY: as for `Send`.
unsafe impl Sync for WakerSlot {}

impl WakerSlot {
    pub(crate) fn new() -> WakerSlot {
        WakerSlot {
            state: AtomicUsize::new(WAITING),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`take`](Self::take). Only the owner of the
    /// entry calls this, so two registrations never overlap.
    pub(crate) fn register(&self, waker: &Waker) {
        match self
            .state
            .compare_exchange(WAITING, REGISTERING, Ordering::Acquire, Ordering::Acquire)
            .unwrap_or_else(|actual| actual)
        {
            WAITING => {
                // SAFETY: we own the `REGISTERING` bit: `take` does not touch the cell
                // while it is set, and no other registration runs at the same time.
                let old = self.waker.with_mut(|slot| unsafe {
                    match &*slot {
                        Some(old) if old.will_wake(waker) => None,
                        _ => (*slot).replace(waker.clone()),
                    }
                });
                match self.state.compare_exchange(
                    REGISTERING,
                    WAITING,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => drop(old),
                    Err(_) => {
                        // A `take` arrived while we stored the waker and backed off: it is
                        // ours to wake. The state is `REGISTERING | WAKING`, so nobody else
                        // touches the cell until we reset it.
                        // SAFETY: as above; `take` leaves the cell alone while
                        // `REGISTERING` is set.
                        let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                        self.state.swap(WAITING, Ordering::AcqRel);
                        drop(old);
                        if let Some(waker) = waker {
                            waker.wake();
                        }
                    }
                }
            }
            WAKING => {
                // The driver is taking the previous waker right now: the entry has fired,
                // so wake the new waker directly rather than wait for the slot.
                waker.wake_by_ref();
            }
            state => {
                debug_assert!(
                    state == REGISTERING || state == REGISTERING | WAKING,
                    "invalid waker slot state {state}"
                );
            }
        }
    }

    /// Takes the stored waker, if a registration is not in progress (if one is, the
    /// registering thread wakes it instead).
    pub(crate) fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, Ordering::AcqRel) {
            WAITING => {
                // SAFETY: we set `WAKING` from `WAITING`, so we own the cell until we clear it.
                let waker = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                self.state.fetch_and(!WAKING, Ordering::Release);
                waker
            }
            _ => None,
        }
    }
}

/// Under loom, dropping the slot counts as a write of the waker cell, so a model in which
/// the driver could still be taking the waker while the owner frees the entry fails.
#[cfg(loom)]
impl Drop for WakerSlot {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no other access can be in flight in a correct program,
        // which is what loom checks here.
        self.waker.with_mut(|slot| unsafe { (*slot).take() });
    }
}
