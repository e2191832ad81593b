//! The clock a runtime's timers read: the system's monotonic clock, or a frozen one that
//! tests move by hand (`pause`, `advance`) or that the driver moves to the next deadline
//! when the runtime is idle (auto-advance).
//!
//! A clock that has never been paused reads [`std::time::Instant::now`] directly: the check
//! is one atomic load. Once paused, the clock stays *virtual* for good (after `resume` it
//! runs again, but offset by every advance), and reads go through its lock.

use std::time::{Duration, Instant as StdInstant};

use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Mutex;

pub(crate) struct Clock {
    /// Whether this runtime lets its clock be paused (only the current-thread flavor does).
    pausable: bool,
    /// Set once the clock has been paused; reads take the lock from then on.
    is_virtual: AtomicBool,
    state: Mutex<State>,
}

struct State {
    /// The clock's reading when `unfrozen` was taken (or its frozen reading).
    base: StdInstant,
    /// When the clock last started running; `None` while it is paused.
    unfrozen: Option<StdInstant>,
    /// How many guards currently forbid auto-advance (blocking work in flight).
    inhibit: usize,
}

pub(crate) const PAUSE_FLAVOR: &str = "`time::pause()` requires the `current_thread` magpie \
     runtime (the default of `#[magpie::test]`); a multi-thread runtime's clock cannot be paused";

impl Clock {
    pub(crate) fn new(pausable: bool, start_paused: bool) -> Clock {
        let now = StdInstant::now();
        let clock = Clock {
            pausable,
            is_virtual: AtomicBool::new(false),
            state: Mutex::new(State {
                base: now,
                unfrozen: Some(now),
                inhibit: 0,
            }),
        };
        if start_paused {
            clock.pause();
        }
        clock
    }

    #[inline]
    pub(crate) fn now(&self) -> StdInstant {
        if !self.is_virtual.load(Ordering::Acquire) {
            return StdInstant::now();
        }
        let state = self.state.lock();
        match state.unfrozen {
            Some(unfrozen) => state.base + unfrozen.elapsed(),
            None => state.base,
        }
    }

    #[track_caller]
    pub(crate) fn pause(&self) {
        if !self.pausable {
            panic!("{PAUSE_FLAVOR}");
        }
        let mut state = self.state.lock();
        let Some(unfrozen) = state.unfrozen else {
            panic!(
                "time is already frozen: `time::pause()` was called twice without `time::resume()`"
            );
        };
        state.base += unfrozen.elapsed();
        state.unfrozen = None;
        self.is_virtual.store(true, Ordering::Release);
    }

    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            panic!("time is not frozen: `time::resume()` called without `time::pause()`");
        }
        state.unfrozen = Some(StdInstant::now());
    }

    #[track_caller]
    pub(crate) fn advance(&self, by: Duration) {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            panic!("time is not frozen: call `time::pause()` before `time::advance()`");
        }
        state.base += by;
    }

    /// Moves a paused clock forward by `by` if nothing inhibits auto-advance; returns
    /// whether it did.
    pub(crate) fn auto_advance(&self, by: Duration) -> bool {
        if !self.is_virtual.load(Ordering::Acquire) {
            return false;
        }
        let mut state = self.state.lock();
        if state.unfrozen.is_some() || state.inhibit > 0 {
            return false;
        }
        state.base += by;
        true
    }

    /// Whether the driver, asked to sleep, should jump the clock instead.
    pub(crate) fn can_auto_advance(&self) -> bool {
        if !self.is_virtual.load(Ordering::Acquire) {
            return false;
        }
        let state = self.state.lock();
        state.unfrozen.is_none() && state.inhibit == 0
    }

    /// Whether this clock can ever be paused (only then does inhibiting matter).
    pub(crate) fn is_pausable(&self) -> bool {
        self.pausable
    }

    /// Whether the clock is paused right now.
    pub(crate) fn is_paused(&self) -> bool {
        self.is_virtual.load(Ordering::Acquire)
    }

    pub(crate) fn inhibit(&self) {
        self.state.lock().inhibit += 1;
    }

    /// Returns whether auto-advance is allowed again.
    pub(crate) fn allow(&self) -> bool {
        let mut state = self.state.lock();
        state.inhibit -= 1;
        state.inhibit == 0
    }
}

/// Converts between instants and wheel ticks (milliseconds since the driver started).
pub(crate) struct TimeSource {
    start: StdInstant,
}

impl TimeSource {
    pub(crate) fn new(start: StdInstant) -> TimeSource {
        TimeSource { start }
    }

    /// The tick containing `now` (rounded down: a tick has fully elapsed at its end).
    #[inline]
    pub(crate) fn now_tick(&self, now: StdInstant) -> u64 {
        let ms = now.saturating_duration_since(self.start).as_millis();
        ms.min(crate::entry::MAX_TICK as u128) as u64
    }

    /// The first tick at or after `deadline` (rounded up, so a timer never fires early).
    #[inline]
    pub(crate) fn deadline_tick(&self, deadline: StdInstant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        let ms = since.as_millis() + u128::from(since.subsec_nanos() % 1_000_000 != 0);
        ms.min(crate::entry::MAX_TICK as u128) as u64
    }

    /// The instant at which `tick` starts.
    #[inline]
    pub(crate) fn tick_instant(&self, tick: u64) -> StdInstant {
        self.start
            .checked_add(Duration::from_millis(tick))
            .unwrap_or_else(|| self.start + Duration::from_secs(86400 * 365 * 30))
    }
}
