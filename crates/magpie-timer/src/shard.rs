//! Which wheel shard a registering thread uses.
//!
//! Timer registration must not funnel every worker through one lock (tokio#6504), so the
//! driver keeps several wheels, each behind its own lock, and a thread registers its timers
//! in "its" shard. The driver that parks visits every shard. With one shard per worker and
//! each worker registering in its own, the locks are uncontended except for the brief
//! visit of the parking driver.
//!
//! [`shard_hint`] is the single place that picks a thread's shard.

use crate::loom::global::{AtomicUsize, Ordering};

/// Threads are dealt shard numbers round-robin the first time they register a timer.
static NEXT_HINT: AtomicUsize = AtomicUsize::new(0);

std::thread_local! {
    static HINT: usize = NEXT_HINT.fetch_add(1, Ordering::Relaxed);
}

/// A number identifying the current thread for shard selection; the caller reduces it
/// modulo the number of shards.
///
/// On a worker it is the worker's index, so with one shard per worker, worker `i` owns
/// shard `i` exactly; other threads get a round-robin number.
#[inline]
pub(crate) fn shard_hint() -> usize {
    if let Some(worker) = magpie_sched::context::worker_index() {
        return worker;
    }
    HINT.try_with(|hint| *hint).unwrap_or(0)
}
