//! Runtime metrics, as stable API (tokio keeps most of these behind `tokio_unstable`,
//! tokio#6546).
//!
//! Counters are written by their worker with plain relaxed stores (no read-modify-write on
//! the hot path) and published every maintenance tick or park, so a reading may lag the
//! truth by a few dozen polls.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use super::{Handle, Scheduler};

#[derive(Default, Debug)]
pub(crate) struct WorkerMetrics {
    pub(crate) poll_count: AtomicU64,
    pub(crate) steal_count: AtomicU64,
    pub(crate) park_count: AtomicU64,
    pub(crate) park_unpark_count: AtomicU64,
    pub(crate) busy_ns: AtomicU64,
    pub(crate) local_queue_depth: AtomicU64,
    pub(crate) global_queue_interval: AtomicU64,
}

/// A view of a runtime's counters.
///
/// # Examples
///
/// ```
/// let rt = magpie_sched::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .build()
///     .unwrap();
/// let metrics = rt.metrics();
/// assert_eq!(metrics.num_workers(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct RuntimeMetrics {
    handle: Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    /// Worker threads (1 on the current-thread runtime).
    pub fn num_workers(&self) -> usize {
        match &self.handle.inner {
            Scheduler::MultiThread(h) => h.num_workers(),
            Scheduler::CurrentThread(_) => 1,
        }
    }

    /// Tasks spawned and not yet completed.
    pub fn num_alive_tasks(&self) -> usize {
        match &self.handle.inner {
            Scheduler::MultiThread(h) => h.shared.owned.len(),
            Scheduler::CurrentThread(h) => h.num_alive_tasks(),
        }
    }

    /// Tasks waiting in the global (injection) queue.
    pub fn global_queue_depth(&self) -> usize {
        match &self.handle.inner {
            Scheduler::MultiThread(h) => h.shared.inject.len(),
            Scheduler::CurrentThread(h) => h.global_queue_depth(),
        }
    }

    fn worker(&self, worker: usize) -> Option<&WorkerMetrics> {
        match &self.handle.inner {
            Scheduler::MultiThread(h) => Some(&h.shared.remotes[worker].metrics),
            Scheduler::CurrentThread(_) => None,
        }
    }

    fn check(&self, worker: usize) {
        assert!(
            worker < self.num_workers(),
            "worker index {worker} out of range: the runtime has {} workers",
            self.num_workers()
        );
    }

    /// Times worker `worker` went to sleep for lack of work.
    ///
    /// # Panics
    ///
    /// Panics if `worker` is not below [`num_workers`](Self::num_workers).
    #[track_caller]
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.check(worker);
        match self.worker(worker) {
            Some(w) => w.park_count.load(Relaxed),
            None => self.current_thread().park_count(),
        }
    }

    /// Times worker `worker` parked plus times it woke up again: odd while it is parked,
    /// even while it runs (tokio's stable metric).
    ///
    /// # Panics
    ///
    /// Panics if `worker` is not below [`num_workers`](Self::num_workers).
    #[track_caller]
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        self.check(worker);
        match self.worker(worker) {
            Some(w) => w.park_unpark_count.load(Relaxed),
            None => self.current_thread().park_unpark_count(),
        }
    }

    /// Time worker `worker` has spent running (not parked), up to its last park; it only
    /// grows (tokio's stable metric).
    ///
    /// # Panics
    ///
    /// Panics if `worker` is not below [`num_workers`](Self::num_workers).
    #[track_caller]
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.check(worker);
        let nanos = match self.worker(worker) {
            Some(w) => w.busy_ns.load(Relaxed),
            None => self.current_thread().busy_ns(),
        };
        Duration::from_nanos(nanos)
    }

    /// Task polls by worker `worker`.
    #[track_caller]
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.check(worker);
        match self.worker(worker) {
            Some(w) => w.poll_count.load(Relaxed),
            None => self.current_thread().poll_count(),
        }
    }

    /// Times worker `worker` stole tasks from another worker.
    #[track_caller]
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        self.check(worker);
        self.worker(worker)
            .map_or(0, |w| w.steal_count.load(Relaxed))
    }

    /// Tasks in worker `worker`'s local queue.
    #[track_caller]
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.check(worker);
        match self.worker(worker) {
            Some(w) => w.local_queue_depth.load(Relaxed) as usize,
            None => self.current_thread().local_queue_depth(),
        }
    }

    /// The global queue interval worker `worker` currently uses (self-tuned unless fixed by
    /// the builder).
    #[track_caller]
    pub fn worker_global_queue_interval(&self, worker: usize) -> u32 {
        self.check(worker);
        self.worker(worker)
            .map_or(0, |w| w.global_queue_interval.load(Relaxed) as u32)
    }

    /// Threads in the blocking pool (not counting workers).
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.common().blocking.num_threads()
    }

    /// Idle threads in the blocking pool.
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.common().blocking.num_idle_threads()
    }

    /// Blocking tasks waiting for a thread.
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.common().blocking.queue_depth()
    }

    fn current_thread(&self) -> &crate::current_thread::Handle {
        match &self.handle.inner {
            Scheduler::CurrentThread(h) => h,
            Scheduler::MultiThread(_) => unreachable!(),
        }
    }
}
