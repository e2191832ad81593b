//! [`Interest`]: which readiness a caller waits for.
//!
//! Sockets are registered with the poller for an interest, and the readiness futures
//! (`readable`, `writable`, `ready`) take one to say which events end the wait.

use std::fmt;
use std::ops;

use super::ready::Ready;

const READABLE: u8 = 0b0001;
const WRITABLE: u8 = 0b0010;
const PRIORITY: u8 = 0b0100;
const ERROR: u8 = 0b1000;

/// Readiness events a caller is interested in.
///
/// Combine interests with `|`:
///
/// ```
/// use magpie_reactor::Interest;
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

impl Interest {
    /// Interest in reading: data to read, or the read side closed.
    pub const READABLE: Interest = Interest(READABLE);
    /// Interest in writing: room to write, or the write side closed.
    pub const WRITABLE: Interest = Interest(WRITABLE);
    /// Interest in priority (out-of-band) data, as `POLLPRI` reports it.
    pub const PRIORITY: Interest = Interest(PRIORITY);
    /// Interest in error readiness (an error queued on the socket).
    pub const ERROR: Interest = Interest(ERROR);

    /// Returns `true` if the interest includes readable readiness.
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Returns `true` if the interest includes writable readiness.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Returns `true` if the interest includes priority readiness.
    pub const fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    /// Returns `true` if the interest includes error readiness.
    pub const fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Adds `other` to this interest (what `|` does, usable in a `const`).
    ///
    /// ```
    /// use magpie_reactor::Interest;
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_writable());
    /// ```
    #[must_use = "this returns the result of the operation, without modifying the original"]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// Removes `other` from this interest; `None` if nothing would be left.
    ///
    /// ```
    /// use magpie_reactor::Interest;
    /// let both = Interest::READABLE | Interest::WRITABLE;
    /// assert_eq!(both.remove(Interest::READABLE), Some(Interest::WRITABLE));
    /// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
    /// ```
    #[must_use = "this returns the result of the operation, without modifying the original"]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        if left == 0 {
            None
        } else {
            Some(Interest(left))
        }
    }

    /// Whether every flag of `other` is in this interest.
    pub(crate) fn contains(self, other: Interest) -> bool {
        self.0 & other.0 == other.0
    }

    /// The readiness bits that satisfy this interest (closed states included, so a waiter
    /// learns about a closed peer).
    pub(crate) fn mask(self) -> Ready {
        let mut mask = Ready::EMPTY;
        if self.is_readable() {
            mask |= Ready::READABLE | Ready::READ_CLOSED;
        }
        if self.is_writable() {
            mask |= Ready::WRITABLE | Ready::WRITE_CLOSED;
        }
        if self.is_priority() {
            mask |= Ready::PRIORITY | Ready::READ_CLOSED;
        }
        if self.is_error() {
            mask |= Ready::ERROR;
        }
        mask
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = false;
        for (bit, name) in [
            (READABLE, "READABLE"),
            (WRITABLE, "WRITABLE"),
            (PRIORITY, "PRIORITY"),
            (ERROR, "ERROR"),
        ] {
            if self.0 & bit != 0 {
                if sep {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                sep = true;
            }
        }
        Ok(())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn debug_lists_flags() {
        assert_eq!(
            format!("{:?}", Interest::READABLE | Interest::ERROR),
            "READABLE | ERROR"
        );
    }

    #[test]
    fn masks_include_closed_states() {
        assert!(Interest::READABLE.mask().is_read_closed());
        assert!(!Interest::READABLE.mask().is_writable());
        assert!(Interest::WRITABLE.mask().is_write_closed());
    }
}
