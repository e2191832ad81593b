//! [`Sleep`]: the future behind `sleep` and `sleep_until`, and the intrusive timer entry
//! it carries.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use magpie_sched::coop;

use crate::entry::{Entry, FIRED, FIRING, IDLE};
use crate::handle::{Handle, Registration, SHUTDOWN};
use crate::loom::sync::atomic::Ordering;
use crate::Instant;

/// Waits until `duration` has elapsed.
///
/// Equivalent to `sleep_until(Instant::now() + duration)`; a duration too long to
/// represent sleeps (practically) forever. The timer has a resolution of one millisecond:
/// the sleep completes at the first millisecond tick at or after its deadline, never
/// before. No work is done until the future is first polled.
///
/// To cancel a sleep, drop it. To change its deadline, [`Sleep::reset`] it.
///
/// # Panics
///
/// Outside a magpie runtime, or in a runtime built without `enable_time`/`enable_all`.
///
/// # Examples
///
/// ```ignore
/// use magpie::time::{sleep, Duration};
///
/// #[magpie::main]
/// async fn main() {
///     sleep(Duration::from_millis(100)).await;
///     println!("100 ms have elapsed");
/// }
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let handle = Handle::current();
    let deadline = match handle.now().checked_add(duration) {
        Some(deadline) => deadline,
        None => Instant::far_future(),
    };
    Sleep::new(handle, deadline)
}

/// Waits until `deadline` is reached. A deadline in the past completes at the next poll
/// of the timer driver.
///
/// # Panics
///
/// Outside a magpie runtime, or in a runtime built without `enable_time`/`enable_all`.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Handle::current(), deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// `Sleep` is `!Unpin`: its timer entry is linked into the driver's wheel in place, without
/// an allocation. Pin it to poll it (`tokio::pin!`/`std::pin::pin!`, or `Box::pin`).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    handle: Handle,
    deadline: Instant,
    /// The shard the entry is registered in (meaningful once it has left `IDLE`).
    shard: usize,
    /// Structurally pinned: the wheel points at it while it is registered.
    entry: Entry,
}

impl Sleep {
    pub(crate) fn new(handle: Handle, deadline: Instant) -> Sleep {
        Sleep {
            handle,
            deadline,
            shard: 0,
            entry: Entry::new(),
        }
    }

    pub(crate) fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The instant at which the sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached and the driver has fired the timer.
    ///
    /// A sleep whose deadline is past but that has not been polled (so not registered)
    /// reports `false`, as in tokio.
    pub fn is_elapsed(&self) -> bool {
        self.entry.has_fired()
    }

    /// Moves the deadline to `deadline`, whether the sleep has completed or not.
    ///
    /// A task waiting on the sleep is woken when the new deadline is reached (at once, if
    /// it is in the past), without needing to poll it again first.
    ///
    /// # Examples
    ///
    /// ```ignore
    /// use magpie::time::{sleep, Duration, Instant};
    ///
    /// let sleep = sleep(Duration::from_millis(10));
    /// magpie::pin!(sleep);
    /// sleep.as_mut().reset(Instant::now() + Duration::from_millis(20));
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        // SAFETY: we never move out of `this`; `entry` stays where it is.
        let this = unsafe { self.get_unchecked_mut() };
        this.deadline = deadline;
        match this.entry.state.load(Ordering::Acquire) {
            // Not on a wheel: the next poll registers the new deadline.
            IDLE => {}
            // Fired and released by the driver: only its owner (us) sees it now.
            FIRED => this.entry.state.store(IDLE, Ordering::Relaxed),
            _ => {
                let tick = this.handle.shared.source.deadline_tick(deadline.into_std());
                // SAFETY: the entry is pinned inside `self` and was registered in
                // `this.shard`; `Drop` unregisters it before it is freed.
                unsafe {
                    this.handle
                        .shared
                        .reregister(this.entry_ptr(), tick, this.shard)
                };
            }
        }
    }

    fn entry_ptr(&self) -> NonNull<Entry> {
        NonNull::from(&self.entry)
    }

    /// Registers an `IDLE` entry with the driver (the first poll after creation or reset).
    fn register(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let shared = &self.handle.shared;
        let tick = shared.source.deadline_tick(self.deadline.into_std());
        // Store the waker before the entry is visible to the driver, which may fire it as
        // soon as it is linked.
        self.entry.waker.register(cx.waker());
        self.shard = shared.shard_for_current_thread();
        // SAFETY: `self` is pinned (we are called from `poll`), so the entry stays put;
        // `Drop` unregisters it from `self.shard` before it is freed.
        match unsafe { shared.register(self.entry_ptr(), tick, self.shard) } {
            Registration::Pending => Poll::Pending,
            Registration::Elapsed => Poll::Ready(()),
            Registration::Shutdown => panic!("{SHUTDOWN}"),
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: we never move out of `this`; `entry` stays where it is.
        let this = unsafe { self.get_unchecked_mut() };
        if this.handle.shared.is_shutdown() {
            panic!("{SHUTDOWN}");
        }
        let coop = ready!(coop::poll_proceed(cx));
        let out = match this.entry.state.load(Ordering::Acquire) {
            IDLE => this.register(cx),
            FIRING | FIRED => Poll::Ready(()),
            _ => {
                this.entry.waker.register(cx.waker());
                // Re-check after storing the waker: a fire that took the old waker has
                // set the state first.
                if this.entry.has_fired() {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            }
        };
        if out.is_ready() {
            coop.made_progress();
        }
        out
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        match self.entry.state.load(Ordering::Acquire) {
            // On no wheel, and the driver is done with it: nothing to unlink.
            IDLE | FIRED => {}
            // SAFETY: the entry is alive (we are dropping it) and was registered in
            // `self.shard`; after this call no wheel links to it.
            _ => unsafe { self.handle.shared.unregister(self.entry_ptr(), self.shard) },
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("is_elapsed", &self.is_elapsed())
            .finish()
    }
}
