//! Run-time support for the crate-root macros; hidden, not a public API.
//!
//! The expansions of `join!`, `try_join!`, `select!` and `task_local!` in user crates reach
//! these items through `$crate::__macro_support`.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::future::{Future, IntoFuture};
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{ready, Context, Poll};

pub use crate::macros::task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use magpie_macros::select_expand;
pub use std::future::poll_fn;

/// A future in a `join!`/`try_join!`: still running, finished with its output kept, or
/// with the output already taken.
#[derive(Debug)]
pub enum MaybeDone<F: Future> {
    /// Still running.
    Future(F),
    /// Finished; the output waits to be taken.
    Done(F::Output),
    /// The output was taken.
    Gone,
}

/// Wraps `future` for `join!`/`try_join!`.
pub fn maybe_done<F: IntoFuture>(future: F) -> MaybeDone<F::IntoFuture> {
    MaybeDone::Future(future.into_future())
}

impl<F: Future> MaybeDone<F> {
    /// The output, if the future finished and it was not taken yet.
    pub fn output_mut(self: Pin<&mut Self>) -> Option<&mut F::Output> {
        // SAFETY: only the output is handed out, and it is not structurally pinned; the
        // future (the pinned part) is not touched.
        match unsafe { self.get_unchecked_mut() } {
            MaybeDone::Done(output) => Some(output),
            _ => None,
        }
    }

    /// Takes the output out, if the future finished and it was not taken yet.
    pub fn take_output(self: Pin<&mut Self>) -> Option<F::Output> {
        // SAFETY: the value is only replaced when it is `Done`, which holds no future, so
        // no pinned data is moved.
        let this = unsafe { self.get_unchecked_mut() };
        match this {
            MaybeDone::Done(_) => match std::mem::replace(this, MaybeDone::Gone) {
                MaybeDone::Done(output) => Some(output),
                _ => unreachable!("checked to be Done just above"),
            },
            _ => None,
        }
    }
}

impl<F: Future> Future for MaybeDone<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future is structurally pinned: it is polled in place here and only
        // ever dropped in place (by `Pin::set` below or by dropping `self`), never moved.
        let future = match unsafe { self.as_mut().get_unchecked_mut() } {
            // SAFETY: see above; `self` is pinned, so its field is too.
            MaybeDone::Future(future) => unsafe { Pin::new_unchecked(future) },
            MaybeDone::Done(_) => return Poll::Ready(()),
            MaybeDone::Gone => panic!("MaybeDone polled after its output was taken"),
        };
        let output = ready!(future.poll(cx));
        self.set(MaybeDone::Done(output));
        Poll::Ready(())
    }
}

/// `Pending` (with a deferred wake-up) when the task has spent its coop budget.
///
/// `select!` checks this before polling its branches: budget-aware branches would yield
/// anyway, and the others would keep the task running past its budget.
pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
    if magpie_sched::coop::has_budget_remaining() {
        Poll::Ready(())
    } else {
        magpie_sched::coop::defer(cx.waker());
        Poll::Pending
    }
}

/// A uniformly distributed number in `0..n` (`n > 0`) from a per-thread xorshift
/// generator; `select!` uses it to pick the branch it polls first.
pub fn thread_rng_n(n: u32) -> u32 {
    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    STATE
        .try_with(|state| {
            let mut x = state.get();
            if x == 0 {
                x = seed();
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            // Lemire's multiply-shift: maps the high 32 bits onto 0..n without a division.
            (((x >> 32) * u64::from(n)) >> 32) as u32
        })
        .unwrap_or(0)
}

/// A non-zero seed, different for every thread and every process.
fn seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish() | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_stays_in_range_and_covers_it() {
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            let n = thread_rng_n(5);
            seen[n as usize] += 1;
        }
        // Each bucket expects 2000; a working generator is nowhere near these bounds.
        assert!(seen.iter().all(|&c| c > 1000 && c < 3000), "{seen:?}");
        assert!((0..100).all(|_| thread_rng_n(1) == 0));
    }

    #[test]
    fn maybe_done_keeps_the_output_until_taken() {
        let mut done = std::pin::pin!(maybe_done(async { 7 }));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(done.as_mut().output_mut().is_none());
        assert!(done.as_mut().poll(&mut cx).is_ready());
        assert_eq!(done.as_mut().output_mut().copied(), Some(7));
        assert_eq!(done.as_mut().take_output(), Some(7));
        assert_eq!(done.as_mut().take_output(), None);
    }
}
