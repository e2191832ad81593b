//! One cell of the broadcast ring: a value, the position it was sent at, and how many
//! receivers still have to read it.
//!
//! Each slot sits behind its own mutex (see the module doc of `broadcast` for why a mutex
//! and not a reader-writer lock). The sender writes a slot while it also holds the tail
//! lock; receivers read it holding only the slot's lock, so readers of different slots
//! never meet and a reader meets the sender only on the one slot both touch.

/// A ring cell. Only ever accessed under its mutex.
pub(super) struct Slot<T> {
    /// The position of the value held. Before the first lap it is `index - capacity`
    /// (wrapping), so "one lap behind the reader" reads as "nothing new yet".
    pos: u64,
    /// Receivers that have yet to read the value at `pos`; the value is dropped when this
    /// reaches zero.
    rem: usize,
    val: Option<T>,
}

impl<T> Slot<T> {
    /// An empty slot that looks one lap behind position `index`.
    pub(super) fn new(index: u64, capacity: u64) -> Slot<T> {
        Slot {
            pos: index.wrapping_sub(capacity),
            rem: 0,
            val: None,
        }
    }

    /// The position of the value this slot holds (or held).
    pub(super) fn pos(&self) -> u64 {
        self.pos
    }

    /// Stores the value sent at `pos` for `rem` receivers and returns the value it
    /// replaces (unread by some receiver, if any), for the caller to drop outside its locks.
    pub(super) fn write(&mut self, pos: u64, rem: usize, val: T) -> Option<T> {
        self.pos = pos;
        self.rem = rem;
        self.val.replace(val)
    }

    /// Reads the value at `*next` for one receiver and moves the receiver past it: `None`
    /// (and `*next` untouched) if the slot holds another position.
    ///
    /// Every receiver gets a clone, as tokio documents ("cloned on demand for each
    /// receiver"); the last reader also gets the stored value back, to drop outside the
    /// lock. The receiver is counted off and moved on *before* the clone runs, so a `Clone`
    /// that panics costs that receiver this one value and leaves the slot consistent.
    pub(super) fn read(&mut self, next: &mut u64) -> Option<(T, Option<T>)>
    where
        T: Clone,
    {
        if self.pos != *next {
            return None;
        }
        // Every receiver that existed when the value was sent counts once in `rem` and
        // reads each position at most once (its position only moves forward), so a
        // receiver asking for `pos` here has not been subtracted yet.
        debug_assert!(self.rem > 0, "a receiver read a slot it was not counted in");
        *next = next.wrapping_add(1);
        self.rem -= 1;
        let val = self
            .val
            .clone()
            .expect("a slot still owed to a receiver holds its value");
        let dead = if self.rem == 0 { self.val.take() } else { None };
        Some((val, dead))
    }

    /// A receiver that will never read `pos` gives up its share: returns the value if that
    /// receiver was the last one owing a read, for the caller to drop outside the lock.
    pub(super) fn release(&mut self, pos: u64) -> Option<T> {
        if self.pos != pos || self.rem == 0 {
            return None;
        }
        self.rem -= 1;
        if self.rem == 0 {
            self.val.take()
        } else {
            None
        }
    }

    /// Whether some receiver has yet to read the value at `pos`.
    pub(super) fn is_unread(&self, pos: u64) -> bool {
        self.pos == pos && self.rem > 0
    }
}
