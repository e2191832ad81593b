//! [`Instant`]: a measurement of the monotonic clock that follows a paused test clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

use crate::handle::Handle;

/// A measurement of a monotonically nondecreasing clock, opaque and useful only with
/// [`Duration`].
///
/// It is [`std::time::Instant`] except for [`Instant::now`], which reads the current
/// runtime's clock: when that clock is paused (`time::pause`, `start_paused`), `now`
/// returns the paused time, so code measuring time under a paused clock sees the same time
/// the timers do.
///
/// # Examples
///
/// ```
/// use magpie_timer::Instant;
/// use std::time::Duration;
///
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert_eq!(later - start, Duration::from_millis(5));
/// assert_eq!(start - later, Duration::ZERO); // saturates, as in tokio
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// Returns the current instant: the runtime's (possibly paused) clock if called inside
    /// a runtime with timers, the system clock otherwise.
    #[inline]
    pub fn now() -> Instant {
        Handle::with_current(|handle| match handle {
            Some(handle) => Instant::from_std(handle.shared.clock.now()),
            None => Instant::from_std(std::time::Instant::now()),
        })
    }

    /// Wraps a [`std::time::Instant`].
    #[inline]
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The [`std::time::Instant`] inside.
    #[inline]
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// An instant about 30 years from now, which stands for "never" (what an overflowing
    /// deadline becomes).
    pub(crate) fn far_future() -> Instant {
        Instant::now() + Duration::from_secs(86400 * 365 * 30)
    }

    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    #[inline]
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time elapsed from `earlier` to `self`, or `None` if `earlier` is later.
    #[inline]
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    #[inline]
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time elapsed since this instant, on the runtime's clock (see [`Instant::now`]).
    #[inline]
    pub fn elapsed(&self) -> Duration {
        Instant::now() - *self
    }

    /// `self + duration`, or `None` if that overflows.
    #[inline]
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` if that overflows.
    #[inline]
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.into_std()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// On overflow, as [`std::time::Instant`] does.
    fn add(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub for Instant {
    type Output = Duration;

    /// Saturates at zero when `rhs` is later, as tokio's `Instant` does.
    fn sub(self, rhs: Instant) -> Duration {
        self.std.saturating_duration_since(rhs.std)
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// On overflow, as [`std::time::Instant`] does.
    fn sub(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}
