//! The time driver: a [`Park`] layer that sleeps no longer than the next deadline and
//! fires the timers that are due each time it wakes.
//!
//! `Timer<P>` wraps any inner driver (the reactor, or a plain `Parker`). Parking:
//!
//! 1. publish "about to sleep" ([`Shared::begin_park`]), then read every shard's next
//!    deadline and publish the earliest; a registration that lands in between sees the
//!    published value and unparks the inner driver, whose wake-up token makes the coming
//!    sleep return at once, so no deadline is missed;
//! 2. park the inner driver with a timeout up to that deadline (or without one when there
//!    is none; with a zero timeout when it has passed);
//! 3. fire every due entry of every shard, waking the wakers outside the shard locks.
//!
//! With a paused clock that may auto-advance, step 2 instead polls the inner driver
//! without sleeping and then jumps the clock to the deadline: an idle runtime runs its
//! timers at once, as tokio's `start_paused` does. Unless the driver was unparked in the
//! meantime: [`TimerUnpark`] (the driver's `Park::Unpark`) records every wake-up, and a
//! park cut short by one leaves the clock alone, so a task woken from another thread (or a
//! timer registered with an earlier deadline) is looked at before time jumps.

use std::fmt;
use std::time::Duration;

use magpie_sched::park::{Park, Unpark};

use crate::handle::{Handle, Shared};
use crate::loom::sync::Arc;

/// The time driver, wrapping an inner driver `P`.
///
/// Parking publishes that the driver is about to sleep, reads every shard's next deadline,
/// parks `P` with a timeout up to the earliest (a registration due earlier unparks it),
/// then fires every due timer, waking the wakers outside the shard locks. With a paused
/// clock that may auto-advance it polls `P` without sleeping and jumps the clock to the
/// deadline instead.
///
/// # Examples
///
/// A runtime builds one over its inner driver and enters its handle on every thread; by
/// hand, on a paused clock:
///
/// ```
/// use std::future::Future;
/// use std::task::{Context, Waker};
/// use magpie_sched::park::{Park, Parker};
/// use magpie_timer::{sleep, Builder, Duration};
///
/// let mut timer = Builder::new().shards(1).start_paused(true).build(Parker::new());
/// let handle = timer.handle();
/// let _guard = handle.enter();
/// let start = handle.now();
///
/// let mut nap = Box::pin(sleep(Duration::from_secs(60)));
/// assert!(nap.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
/// while !nap.is_elapsed() {
///     timer.park(); // idle: the paused clock jumps to the next deadline
/// }
/// assert_eq!(handle.now() - start, Duration::from_secs(60));
/// ```
pub struct Timer<P: Park> {
    park: P,
    handle: Handle,
    did_shutdown: bool,
}

/// Configures a [`Timer`].
#[derive(Clone, Debug)]
pub struct Builder {
    shards: usize,
    pausable: bool,
    start_paused: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// One shard per available CPU, a pausable clock that starts running.
    pub fn new() -> Builder {
        Builder {
            shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
            pausable: true,
            start_paused: false,
        }
    }

    /// Sets the number of wheel shards (at least 1). The runtime uses one per worker, so
    /// each worker registers its timers under its own lock.
    pub fn shards(mut self, shards: usize) -> Builder {
        self.shards = shards.max(1);
        self
    }

    /// Whether the clock may be paused (`time::pause`, `start_paused`). The facade sets
    /// `false` on multi-thread runtimes, where pausing panics as in tokio.
    pub fn pausable(mut self, pausable: bool) -> Builder {
        self.pausable = pausable;
        self
    }

    /// Starts with the clock paused, auto-advancing whenever the runtime is idle (tokio's
    /// `Builder::start_paused`).
    pub fn start_paused(mut self, start_paused: bool) -> Builder {
        self.start_paused = start_paused;
        self
    }

    /// Builds the driver on top of `park`.
    ///
    /// # Panics
    ///
    /// If `start_paused(true)` was asked of a clock that is not pausable.
    #[track_caller]
    pub fn build<P: Park>(self, park: P) -> Timer<P> {
        let unpark = Box::new(park.unpark());
        let shared = Shared::new(self.shards, self.pausable, self.start_paused, unpark);
        Timer {
            park,
            handle: Handle::from_shared(Arc::new(shared)),
            did_shutdown: false,
        }
    }
}

impl<P: Park> Timer<P> {
    /// A driver with the default [`Builder`] settings.
    pub fn new(park: P) -> Timer<P> {
        Builder::new().build(park)
    }

    /// The handle timers register with.
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// The inner driver.
    pub fn inner(&self) -> &P {
        &self.park
    }

    /// The inner driver, mutably.
    pub fn inner_mut(&mut self) -> &mut P {
        &mut self.park
    }

    fn park_internal(&mut self, limit: Option<Duration>) {
        let shared = &*self.handle.shared;
        shared.begin_park();
        let next = shared.next_expiration();
        match next {
            Some(tick) => {
                shared.sleeping_until(tick);
                let now = shared.clock.now();
                let mut duration = shared
                    .source
                    .tick_instant(tick)
                    .saturating_duration_since(now);
                if let Some(limit) = limit {
                    duration = duration.min(limit);
                }
                if duration.is_zero() {
                    self.park.park_timeout(Duration::ZERO);
                } else {
                    self.sleep(duration);
                }
            }
            None => match limit {
                Some(limit) => self.sleep(limit),
                None => self.park.park(),
            },
        }
        let shared = &*self.handle.shared;
        shared.end_park();
        // With no timer before the park there is nothing to fire now: a timer registered
        // during the park is due no earlier than its registration, and the next park sees
        // it (and sleeps at most until it). Skipping saves a clock read and a visit of
        // every shard's lock on each park of a runtime that uses no timers (I/O-bound
        // loops park once per event). A paused clock is the exception: `advance` moves
        // it without a timer, and a deadline it passed must count as elapsed when first
        // polled (as in tokio), which needs the wheels' clocks caught up.
        if next.is_some() || shared.clock.is_paused() {
            let now = shared.source.now_tick(shared.clock.now());
            shared.process(now);
        }
    }

    /// Sleeps in the inner driver, or jumps a paused clock instead.
    fn sleep(&mut self, duration: Duration) {
        let clock = &self.handle.shared.clock;
        if clock.can_auto_advance() {
            self.park.park_timeout(Duration::ZERO);
            // A wake-up during (or just before) the park means there is work to look at
            // first; the clock advances on a later park if the runtime is still idle.
            if !self.handle.shared.take_did_wake() {
                clock.auto_advance(duration);
            }
        } else {
            self.park.park_timeout(duration);
        }
    }
}

impl<P: Park> Park for Timer<P> {
    type Unpark = TimerUnpark<P::Unpark>;

    fn unpark(&self) -> TimerUnpark<P::Unpark> {
        TimerUnpark {
            handle: self.handle.clone(),
            _inner: std::marker::PhantomData,
        }
    }

    fn park(&mut self) {
        self.park_internal(None)
    }

    fn park_timeout(&mut self, duration: Duration) {
        self.park_internal(Some(duration))
    }

    fn shutdown(&mut self) {
        if !self.did_shutdown {
            self.did_shutdown = true;
            self.handle.shared.shutdown();
        }
        self.park.shutdown();
    }
}

impl<P: Park> Drop for Timer<P> {
    fn drop(&mut self) {
        // Without this, timers still registered would never fire nor learn why.
        if !self.did_shutdown {
            self.did_shutdown = true;
            self.handle.shared.shutdown();
        }
    }
}

/// Unparks a [`Timer`]: unparks the inner driver and records the wake-up, so a paused
/// clock does not jump ahead on the park it cut short (the runtime has work to look at
/// first). This is what tokio's time driver does with its `did_wake` flag.
pub struct TimerUnpark<U> {
    handle: Handle,
    // The inner driver's unpark lives in the handle's shared state (registrations use it
    // too), so `U` only names its type.
    _inner: std::marker::PhantomData<fn() -> U>,
}

impl<U> Clone for TimerUnpark<U> {
    fn clone(&self) -> Self {
        TimerUnpark {
            handle: self.handle.clone(),
            _inner: std::marker::PhantomData,
        }
    }
}

impl<U: Unpark> Unpark for TimerUnpark<U> {
    fn unpark(&self) {
        self.handle.shared.unpark_driver()
    }
}

impl<U> fmt::Debug for TimerUnpark<U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerUnpark").finish_non_exhaustive()
    }
}

impl<P: Park + fmt::Debug> fmt::Debug for Timer<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("park", &self.park)
            .field("handle", &self.handle)
            .finish()
    }
}
