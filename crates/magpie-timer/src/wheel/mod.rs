//! The hierarchical timer wheel of one shard.
//!
//! Time is counted in ticks of 1 ms since the driver started. The wheel has six levels of
//! 64 slots; a slot of level `n` spans `64^n` ticks, so a level spans `64^(n+1)` ticks and
//! the whole wheel `64^6` ticks (2^36 ms, about 2.2 years). An entry is filed at the level
//! given by the highest bit in which its deadline differs from the wheel's current time
//! (`elapsed`): close deadlines land in level 0 with exact 1 ms slots, far ones in a
//! coarse slot of a high level. When time reaches a coarse slot, its entries *cascade*:
//! each is re-filed relative to the new time, which puts it in a finer level, until it
//! reaches level 0 or has expired. An entry is therefore touched at most once per level,
//! and insertion and removal are O(1) pointer writes (the lists are intrusive, see
//! [`crate::entry`]).
//!
//! Each level keeps a 64-bit occupancy bitmap, one bit per non-empty slot. The next
//! deadline is found with a rotate and a `trailing_zeros` per level, lowest level first:
//! every entry in a lower level is due before any slot of a higher level starts, so the
//! first occupied level holds the next slot to handle. Entries further away than the wheel
//! spans are not clamped: they sit in a top-level slot, cascade back into the top level
//! when time reaches it, and so fire at their real deadline, never early.

mod list;

use std::ptr::NonNull;

use crate::entry::{with_links, Entry, EXPIRED_LIST, NOWHERE};
use list::List;

const LEVELS: usize = 6;
const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const SLOT_MASK: u64 = SLOTS as u64 - 1;
/// The ticks the wheel spans; deadlines beyond this cycle through the top level.
const WHEEL_SPAN: u64 = 1 << (SLOT_BITS as usize * LEVELS);

struct Level {
    /// Bit `i` is set when `slots[i]` is non-empty.
    occupied: u64,
    slots: [List; SLOTS],
}

/// A slot due for handling: which one, and the tick at which it becomes due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Expiration {
    level: usize,
    slot: usize,
    deadline: u64,
}

pub(crate) struct Wheel {
    /// The tick up to which every deadline has been handled.
    elapsed: u64,
    levels: Box<[Level; LEVELS]>,
    /// Entries whose deadline has passed, waiting to be fired by [`Wheel::poll`].
    expired: List,
}

// SAFETY: the wheel only holds pointers to entries (which are `Sync`), and it follows them
// only through `&mut self`, that is while its shard lock is held.
unsafe impl Send for Wheel {}

impl Level {
    fn new() -> Level {
        Level {
            occupied: 0,
            slots: std::array::from_fn(|_| List::default()),
        }
    }

    /// The first occupied slot at or after the one holding `elapsed`, and when it is due.
    fn next_expiration(&self, level: usize, elapsed: u64) -> Option<Expiration> {
        if self.occupied == 0 {
            return None;
        }
        let shift = SLOT_BITS as usize * level;
        let slot_span = 1u64 << shift;
        let level_span = slot_span << SLOT_BITS;
        let now_slot = (elapsed >> shift) & SLOT_MASK;
        // Search from the slot after the current one: the current slot is never occupied
        // below the top level (its start has passed, so it was handled), and at the top
        // level it holds only deadlines one or more whole turns away, which must come
        // after every other slot.
        let from = (now_slot + 1) & SLOT_MASK;
        let distance = self.occupied.rotate_right(from as u32).trailing_zeros() as u64;
        let slot = (from + distance) & SLOT_MASK;
        let level_start = elapsed & !(level_span - 1);
        let mut deadline = level_start + slot * slot_span;
        if slot <= now_slot {
            // Only the top level wraps: it holds deadlines beyond the wheel's span, filed
            // in the slot they will have one (or more) turns later; cascading such a slot
            // early just files its entries again.
            deadline += level_span;
        }
        Some(Expiration {
            level,
            slot: slot as usize,
            deadline,
        })
    }
}

/// The level an entry due at `when` is filed at while the time is `elapsed`.
#[inline]
fn level_for(elapsed: u64, when: u64) -> usize {
    // Or-ing the slot mask makes deadlines within the current 64 ticks land in level 0.
    let mut diff = (elapsed ^ when) | SLOT_MASK;
    if diff >= WHEEL_SPAN {
        diff = WHEEL_SPAN - 1;
    }
    let significant = 63 - diff.leading_zeros() as usize;
    significant / SLOT_BITS as usize
}

#[inline]
fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (SLOT_BITS as usize * level)) & SLOT_MASK) as usize
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            levels: Box::new(std::array::from_fn(|_| Level::new())),
            expired: List::default(),
        }
    }

    /// The tick up to which the wheel has handled every deadline.
    #[cfg(test)]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Files `entry` to expire at tick `when`. Returns `false`, and files nothing, if
    /// `when` has already been handled: the caller fires the entry itself.
    ///
    /// # Safety
    ///
    /// `entry` is alive and linked nowhere, the caller holds this wheel's shard lock (as
    /// `&mut self` proves for the wheel, and the entry's owner guarantees for the entry)
    /// and the entry stays alive until it is removed or polled out.
    pub(crate) unsafe fn insert(&mut self, entry: NonNull<Entry>, when: u64) -> bool {
        if when <= self.elapsed {
            return false;
        }
        // SAFETY: the caller's contract.
        unsafe { with_links(entry, |l| l.when = when) };
        let level = level_for(self.elapsed, when);
        let slot = slot_for(when, level);
        let lvl = &mut self.levels[level];
        // SAFETY: the caller's contract.
        unsafe { lvl.slots[slot].push(entry, (level * SLOTS + slot) as u16) };
        lvl.occupied |= 1 << slot;
        true
    }

    /// Unlinks `entry` from wherever this wheel holds it (if anywhere).
    ///
    /// # Safety
    ///
    /// `entry` is alive and is either linked nowhere or linked in this wheel; the caller
    /// holds the shard lock.
    pub(crate) unsafe fn remove(&mut self, entry: NonNull<Entry>) {
        // SAFETY: the caller's contract.
        let location = unsafe { with_links(entry, |l| l.location) };
        match location {
            NOWHERE => {}
            // SAFETY: the location says the entry is in the expired list.
            EXPIRED_LIST => unsafe { self.expired.remove(entry) },
            location => {
                let level = location as usize / SLOTS;
                let slot = location as usize % SLOTS;
                let lvl = &mut self.levels[level];
                // SAFETY: the location says the entry is in this slot.
                unsafe { lvl.slots[slot].remove(entry) };
                if lvl.slots[slot].is_empty() {
                    lvl.occupied &= !(1 << slot);
                }
            }
        }
    }

    /// The next tick at which the wheel has work (an entry to fire or a slot to cascade).
    /// Cascading slots can make this earlier than any entry's deadline, never later.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        if !self.expired.is_empty() {
            return Some(self.elapsed);
        }
        self.next_slot().map(|e| e.deadline)
    }

    fn next_slot(&self) -> Option<Expiration> {
        self.levels
            .iter()
            .enumerate()
            .find_map(|(level, lvl)| lvl.next_expiration(level, self.elapsed))
    }

    /// Returns the next entry due at or before `now`, unlinked, or `None` once every
    /// deadline up to `now` has been handled (the wheel's time is then `now`).
    ///
    /// The caller may release the lock between calls: the state lives in the wheel.
    pub(crate) fn poll(&mut self, now: u64) -> Option<NonNull<Entry>> {
        loop {
            // SAFETY: `&mut self` means the caller holds the shard lock.
            if let Some(entry) = unsafe { self.expired.pop() } {
                return Some(entry);
            }
            match self.next_slot() {
                Some(exp) if exp.deadline <= now => self.handle_slot(exp),
                _ => {
                    if now > self.elapsed {
                        self.elapsed = now;
                    }
                    return None;
                }
            }
        }
    }

    /// Advances time to the slot's start and re-files its entries: those due move to the
    /// expired list, the rest cascade to finer levels.
    fn handle_slot(&mut self, exp: Expiration) {
        debug_assert!(exp.deadline >= self.elapsed);
        self.elapsed = exp.deadline;
        let lvl = &mut self.levels[exp.level];
        lvl.occupied &= !(1 << exp.slot);
        let mut entries = lvl.slots[exp.slot].take();
        // SAFETY: the entries were linked in this wheel, so they are alive, and `&mut
        // self` means we hold the shard lock; each is re-linked before the lock can be
        // released.
        unsafe {
            while let Some(entry) = entries.pop() {
                let when = with_links(entry, |l| l.when);
                if !self.insert(entry, when) {
                    self.expired.push(entry, EXPIRED_LIST);
                }
            }
        }
    }

    /// Unlinks and returns any entry (used to empty the wheel at shutdown).
    pub(crate) fn pop_any(&mut self) -> Option<NonNull<Entry>> {
        // SAFETY: `&mut self` means the caller holds the shard lock.
        if let Some(entry) = unsafe { self.expired.pop() } {
            return Some(entry);
        }
        let lvl = self.levels.iter_mut().find(|l| l.occupied != 0)?;
        let slot = lvl.occupied.trailing_zeros() as usize;
        // SAFETY: as above.
        let entry = unsafe { lvl.slots[slot].pop() };
        if lvl.slots[slot].is_empty() {
            lvl.occupied &= !(1 << slot);
        }
        entry
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
