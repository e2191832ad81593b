//! [`Timeout`]: a future with a deadline.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use magpie_sched::coop;

use crate::error::Elapsed;
use crate::handle::Handle;
use crate::sleep::{sleep_until, Sleep};
use crate::Instant;

/// Requires `future` to complete before `duration` has elapsed.
///
/// Resolves to `Ok(output)` if it does, to `Err(Elapsed)` otherwise (the inner future is
/// then dropped with the `Timeout`). The inner future is polled first, so a future that is
/// ready at once always wins, even with a zero duration.
///
/// # Panics
///
/// Outside a magpie runtime, or in a runtime built without `enable_time`/`enable_all`.
///
/// # Examples
///
/// ```ignore
/// use magpie::time::{timeout, Duration};
///
/// # async fn dox() {
/// let (_tx, rx) = magpie::sync::oneshot::channel::<()>();
/// if timeout(Duration::from_millis(10), rx).await.is_err() {
///     println!("did not receive a value within 10 ms");
/// }
/// # }
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let handle = Handle::current();
    let deadline = match handle.now().checked_add(duration) {
        Some(deadline) => deadline,
        None => Instant::far_future(),
    };
    Timeout::new(future.into_future(), Sleep::new(handle, deadline))
}

/// Requires `future` to complete before `deadline`. See [`timeout`].
///
/// # Panics
///
/// Outside a magpie runtime, or in a runtime built without `enable_time`/`enable_all`.
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(future.into_future(), sleep_until(deadline))
}

/// The future returned by [`timeout`] and [`timeout_at`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Timeout<T> {
    value: T,
    delay: Sleep,
}

impl<T> Timeout<T> {
    fn new(value: T, delay: Sleep) -> Timeout<T> {
        Timeout { value, delay }
    }

    /// The inner future.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// Consumes the timeout, returning the inner future.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: both fields are structurally pinned: nothing moves them out of a pinned
        // `Timeout` (`into_inner` takes it by value, which a pinned `Timeout` cannot give:
        // it is `!Unpin` since it holds a `Sleep`), and `Timeout` has no `Drop` impl.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `value` is structurally pinned, see above.
        let value = unsafe { Pin::new_unchecked(&mut this.value) };
        // SAFETY: `delay` is structurally pinned, see above.
        let delay = unsafe { Pin::new_unchecked(&mut this.delay) };

        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(out) = value.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // If the inner future spent the last of the budget, the deadline must still be
        // checked, or a busy inner future could keep its timeout from ever firing.
        let poll_delay = || delay.poll(cx).map(|()| Err(Elapsed::new()));
        if had_budget && !coop::has_budget_remaining() {
            coop::with_unconstrained(poll_delay)
        } else {
            poll_delay()
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Timeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("value", &self.value)
            .field("delay", &self.delay)
            .finish()
    }
}
