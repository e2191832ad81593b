//! A batch of wakers collected under a lock and woken after it is released.

use std::task::Waker;

const CAP: usize = 32;

/// Up to 32 wakers inline; callers wake them, release the lock, and come back for more.
pub(crate) struct WakeList {
    wakers: [Option<Waker>; CAP],
    len: usize,
    /// Wakers past the inline ones, for callers that must collect all at once.
    spill: Vec<Waker>,
}

impl WakeList {
    pub(crate) const fn new() -> WakeList {
        WakeList {
            wakers: [const { None }; CAP],
            len: 0,
            spill: Vec::new(),
        }
    }

    pub(crate) fn can_push(&self) -> bool {
        self.len < CAP
    }

    pub(crate) fn push(&mut self, waker: Waker) {
        debug_assert!(self.can_push());
        self.wakers[self.len] = Some(waker);
        self.len += 1;
    }

    /// Collects `waker`, spilling to the heap past the inline capacity.
    pub(crate) fn push_spill(&mut self, waker: Waker) {
        if self.can_push() {
            self.push(waker);
        } else {
            self.spill.push(waker);
        }
    }

    /// Wakes and clears every collected waker.
    pub(crate) fn wake_all(&mut self) {
        for slot in &mut self.wakers[..self.len] {
            if let Some(w) = slot.take() {
                w.wake();
            }
        }
        self.len = 0;
        self.spill.drain(..).for_each(Waker::wake);
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        // Wakers collected but never woken (a panic in between) must still wake their tasks,
        // or those tasks would hang.
        self.wake_all();
    }
}
