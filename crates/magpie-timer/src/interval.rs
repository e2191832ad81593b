//! [`Interval`]: ticks at a fixed period, with a choice of how to catch up on missed ticks.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::handle::Handle;
use crate::sleep::Sleep;
use crate::Instant;

/// How late a tick may be before it counts as missed: small delays in waking a task are
/// normal and should not shift the schedule.
const MISSED_SLACK: Duration = Duration::from_millis(5);

/// Creates an interval that ticks every `period`, the first tick completing at once.
///
/// # Panics
///
/// If `period` is zero, outside a magpie runtime, or in a runtime built without
/// `enable_time`/`enable_all`.
///
/// # Examples
///
/// ```ignore
/// use magpie::time::{interval, Duration};
///
/// # async fn dox() {
/// let mut interval = interval(Duration::from_millis(10));
/// interval.tick().await; // completes at once
/// interval.tick().await; // 10 ms later
/// interval.tick().await; // 20 ms after the first
/// # }
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    let handle = Handle::current();
    let start = handle.now();
    Interval::new(handle, start, period)
}

/// Creates an interval whose first tick completes at `start`, then every `period`.
///
/// # Panics
///
/// If `period` is zero, outside a magpie runtime, or in a runtime built without
/// `enable_time`/`enable_all`.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    Interval::new(Handle::current(), start, period)
}

/// What an [`Interval`] does when ticks were missed (the task polled it late).
///
/// Say the period is 50 ms and ticks were due at 50, 100, 150, ... but the task was busy
/// until 160 ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks at once, back to back, until caught up; the schedule is kept
    /// (ticks at 160, 160, 160, then 200, 250, ...). The default.
    #[default]
    Burst,
    /// Fire once now, then restart the schedule from now (ticks at 160, 210, 260, ...).
    Delay,
    /// Fire once now, then skip to the next tick of the original schedule (ticks at 160,
    /// 200, 250, ...).
    Skip,
}

impl MissedTickBehavior {
    /// The deadline of the tick after one due at `timeout`, noticed at `now`.
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => later(timeout, period),
            MissedTickBehavior::Delay => later(now, period),
            MissedTickBehavior::Skip => {
                let behind = (now - timeout).as_nanos() % period.as_nanos();
                // `behind < period`, which is a `Duration`, so it fits in a `Duration`.
                later(now, period)
                    - Duration::new(
                        (behind / 1_000_000_000) as u64,
                        (behind % 1_000_000_000) as u32,
                    )
            }
        }
    }
}

/// `at + after`, or a deadline that never comes if that overflows (a period of
/// `Duration::MAX` is allowed, as in tokio).
fn later(at: Instant, after: Duration) -> Instant {
    at.checked_add(after).unwrap_or_else(Instant::far_future)
}

/// A stream of ticks, one every period; created by [`interval`] and [`interval_at`].
pub struct Interval {
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    fn new(handle: Handle, start: Instant, period: Duration) -> Interval {
        Interval {
            delay: Box::pin(Sleep::new(handle, start)),
            period,
            missed_tick_behavior: MissedTickBehavior::default(),
        }
    }

    /// Completes when the next tick is due, returning the instant it was scheduled for.
    ///
    /// Cancel safe: dropping the future before it completes loses no tick.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; `Ready` with the instant it was scheduled for.
    ///
    /// When this returns `Pending`, the waker of `cx` is woken at the next tick (only the
    /// waker of the last poll is kept).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.delay.as_mut().poll(cx));
        let timeout = self.delay.deadline();
        let now = self.delay_now();
        let next = if now > timeout + MISSED_SLACK {
            self.missed_tick_behavior
                .next_timeout(timeout, now, self.period)
        } else {
            later(timeout, self.period)
        };
        // The sleep has fired, so this only records the deadline: it is registered again
        // by the next poll.
        self.delay.as_mut().reset(next);
        Poll::Ready(timeout)
    }

    fn delay_now(&self) -> Instant {
        self.delay.handle().now()
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        let next = later(self.delay_now(), self.period);
        self.delay.as_mut().reset(next);
    }

    /// Restarts the schedule with a tick due at once.
    pub fn reset_immediately(&mut self) {
        let now = self.delay_now();
        self.delay.as_mut().reset(now);
    }

    /// Restarts the schedule with the next tick `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        let next = later(self.delay_now(), after);
        self.delay.as_mut().reset(next);
    }

    /// Restarts the schedule with the next tick at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// How missed ticks are handled.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets how missed ticks are handled.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("delay", &self.delay)
            .field("period", &self.period)
            .field("missed_tick_behavior", &self.missed_tick_behavior)
            .finish()
    }
}
