//! [`Ready`]: the readiness a resource reported.
//!
//! The low bits of each registration's readiness word hold a `Ready` set (see
//! `scheduled_io`), so its bit values are fixed here and nowhere else.

use std::fmt;
use std::ops;

pub(crate) const READABLE: usize = 0b00_0001;
pub(crate) const WRITABLE: usize = 0b00_0010;
pub(crate) const READ_CLOSED: usize = 0b00_0100;
pub(crate) const WRITE_CLOSED: usize = 0b00_1000;
pub(crate) const PRIORITY: usize = 0b01_0000;
pub(crate) const ERROR: usize = 0b10_0000;
/// Every readiness bit.
pub(crate) const ALL: usize = 0b11_1111;

/// A set of readiness states: readable, writable, read closed, write closed, priority,
/// error.
///
/// ```
/// use magpie_reactor::Ready;
/// let r = Ready::READABLE | Ready::READ_CLOSED;
/// assert!(r.is_readable() && r.is_read_closed() && !r.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ready(usize);

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable readiness.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writable readiness.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read side is closed (the peer shut down its writing half or hung up).
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write side is closed.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// Priority (out-of-band) data is available.
    pub const PRIORITY: Ready = Ready(PRIORITY);
    /// An error is pending on the resource.
    pub const ERROR: Ready = Ready(ERROR);
    /// Every readiness state.
    pub const ALL: Ready = Ready(ALL);

    pub(crate) const fn from_usize(bits: usize) -> Ready {
        Ready(bits & ALL)
    }

    pub(crate) const fn as_usize(self) -> usize {
        self.0
    }

    /// Returns `true` if no readiness is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Returns `true` if the value includes readable readiness.
    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }

    /// Returns `true` if the value includes writable readiness.
    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }

    /// Returns `true` if the value includes the read-closed state.
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// Returns `true` if the value includes the write-closed state.
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    /// Returns `true` if the value includes priority readiness.
    pub fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    /// Returns `true` if the value includes error readiness.
    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;
    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;
    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;
    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_priority", &self.is_priority())
            .field("is_error", &self.is_error())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn closed_counts_as_ready() {
        assert!(Ready::READ_CLOSED.is_readable());
        assert!(Ready::WRITE_CLOSED.is_writable());
        assert!(Ready::EMPTY.is_empty());
        assert_eq!(
            (Ready::ALL - Ready::READABLE) & Ready::READABLE,
            Ready::EMPTY
        );
    }
}
