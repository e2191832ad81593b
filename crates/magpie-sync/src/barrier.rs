//! A barrier: `n` tasks wait until all of them have arrived.

use std::fmt;

use crate::loom::sync::Mutex;
use crate::notify::Notify;

/// Lets `n` tasks wait for each other, then releases them all; reusable for any number of
/// rounds.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use magpie_sync::Barrier;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let handles: Vec<_> = (0..3)
///     .map(|_| {
///         let b = barrier.clone();
///         std::thread::spawn(move || futures::executor::block_on(b.wait()).is_leader())
///     })
///     .collect();
/// let leaders = handles.into_iter().map(|h| h.join().unwrap());
/// assert_eq!(leaders.filter(|is_leader| *is_leader).count(), 1);
/// ```
pub struct Barrier {
    state: Mutex<BarrierState>,
    n: usize,
    notify: Notify,
}

struct BarrierState {
    arrived: usize,
    generation: usize,
}

/// What [`Barrier::wait`] returns; exactly one task per round is the leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Returns `true` for the one task of the round that arrived last.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// Creates a barrier for `n` tasks (an `n` of 0 behaves like 1, as `std`'s does).
    pub fn new(n: usize) -> Barrier {
        Barrier {
            state: Mutex::new(BarrierState {
                arrived: 0,
                generation: 0,
            }),
            n: n.max(1),
            notify: Notify::new(),
        }
    }

    /// Waits until `n` tasks have called `wait` in this round.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: a dropped `wait` still counts as arrived for its round.
    pub async fn wait(&self) -> BarrierWaitResult {
        let (generation, notified) = {
            let mut st = self.state.lock();
            let generation = st.generation;
            st.arrived += 1;
            if st.arrived == self.n {
                st.arrived = 0;
                st.generation = generation.wrapping_add(1);
                drop(st);
                self.notify.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Created under the lock: the leader's `notify_waiters` comes after, so it
            // reaches this future even before its first poll.
            (generation, self.notify.notified())
        };
        let mut notified = std::pin::pin!(notified);
        loop {
            notified.as_mut().await;
            let st = self.state.lock();
            if st.generation != generation {
                return BarrierWaitResult(false);
            }
            notified.set(self.notify.notified());
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish()
    }
}
