//! The test clock: `pause`, `resume` and `advance` on the current runtime's clock.
//!
//! A paused clock stands still; `advance` moves it by hand, and whenever the runtime has
//! nothing to do and a timer is pending, the driver jumps the clock straight to that
//! timer's deadline (auto-advance), so tests of long timeouts run instantly and
//! deterministically. The scheduler inhibits auto-advance while `spawn_blocking` work runs
//! ([`Handle::inhibit_auto_advance`]).

use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

use crate::handle::Handle;

const NO_RUNTIME: &str = "time cannot be frozen from outside a magpie runtime: call \
     `time::pause`, `time::resume` and `time::advance` inside `Runtime::block_on` or a task \
     (of a runtime built with `enable_time` or `enable_all`)";

#[track_caller]
fn current() -> Handle {
    match Handle::try_current() {
        Some(handle) => handle,
        None => panic!("{NO_RUNTIME}"),
    }
}

/// Pauses time: [`Instant::now`](crate::Instant::now) stops moving, and the runtime
/// auto-advances the clock to the next timer whenever it is idle.
///
/// # Panics
///
/// If time is already paused, outside a runtime, or on a multi-thread runtime (only the
/// current-thread runtime's clock can be paused).
#[track_caller]
pub fn pause() {
    current().pause()
}

/// Resumes time: the clock runs again from where it was paused (plus every advance).
///
/// # Panics
///
/// If time is not paused, or outside a runtime.
#[track_caller]
pub fn resume() {
    current().resume()
}

/// Moves a paused clock forward by `duration` in one jump, then yields so the driver fires
/// the timers that are now due.
///
/// Timers due before the new time all complete "at the same time", in no particular order;
/// this does not wait for the tasks they wake to run. To wait for a timer, sleep on it and
/// let auto-advance do the rest.
///
/// # Panics
///
/// If time is not paused, or outside a runtime (when first polled).
pub async fn advance(duration: Duration) {
    current().shared.clock.advance(duration);
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        // Deferred: the scheduler polls the driver before running us again.
        magpie_sched::coop::defer(cx.waker());
        Poll::Pending
    })
    .await
}
