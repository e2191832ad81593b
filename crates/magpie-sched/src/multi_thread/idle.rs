//! Who is awake: the count of searching and unparked workers, and the list of sleepers.
//!
//! Waking is rationed: a new task wakes a sleeper only when no worker is already searching
//! (a searcher will find the task), and at most half the workers search at once, so a burst
//! of wake-ups does not turn into a thundering herd of stealers.
//!
//! No lost wake-up: a producer pushes its task, issues a SeqCst fence, then reads the
//! counts; a worker going to sleep decrements them (SeqCst), issues a fence, and if that left
//! nobody searching, looks at every queue once more. Either the producer sees the sleeper
//! (and no searcher) and wakes one, or the sleeper sees the task.

use crate::loom::sync::atomic::{fence, AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;

const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;

pub(crate) struct Idle {
    /// Searching workers in the low bits, unparked workers above.
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCH_MASK, "too many worker threads");
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    fn searching(state: usize) -> usize {
        state & SEARCH_MASK
    }

    fn unparked(state: usize) -> usize {
        state >> UNPARK_SHIFT
    }

    /// Returns a sleeping worker to wake for new work, marking it unparked and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        // Pairs with the fence a parking searcher issues after giving up (see module doc).
        fence(SeqCst);
        if !self.should_wake(self.state.load(SeqCst)) {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.should_wake(self.state.load(SeqCst)) {
            return None;
        }
        // One more unparked worker, and it starts out searching.
        self.state.fetch_add(1 | (1 << UNPARK_SHIFT), SeqCst);
        let worker = sleepers.pop();
        debug_assert!(worker.is_some(), "idle state and sleeper list disagree");
        worker
    }

    fn should_wake(&self, state: usize) -> bool {
        Self::searching(state) == 0 && Self::unparked(state) < self.num_workers
    }

    /// Workers not parked (running tasks, searching, or about to park).
    pub(crate) fn num_unparked(&self) -> usize {
        Self::unparked(self.state.load(SeqCst))
    }

    /// A worker with nothing to do asks to search (steal). Refused when half the workers
    /// already search.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * Self::searching(state) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work. Returns `true` if it was the last searcher, in which
    /// case the caller wakes another worker so that someone keeps looking.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(Self::searching(prev) > 0);
        Self::searching(prev) == 1
    }

    /// A worker goes to sleep. Returns `true` if no worker is left searching: the caller
    /// must then re-check every queue before sleeping. That holds for a worker that was not
    /// searching too: a searcher that just found work and looked for someone to wake still
    /// counted this worker as awake, so nobody else would look at the work it left queued.
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = (1 << UNPARK_SHIFT) | usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, SeqCst);
        // Pairs with the fence in `worker_to_notify`: without it the caller's re-check of
        // the queues may read them stale (a SeqCst RMW is not a fence for later loads), miss
        // a task whose producer saw us still searching, and sleep on it (found by loom).
        fence(SeqCst);
        sleepers.push(worker);
        Self::searching(prev) == usize::from(is_searching)
    }

    /// Returns `true` if `worker` is still in the sleeper list (a wake-up was spurious).
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }

    /// Takes `worker` off the sleeper list if it is there (shutdown wakes everyone).
    /// Returns whether it was.
    pub(crate) fn unpark_worker_by_id(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                // Unparked, not searching.
                self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
                true
            }
            None => false,
        }
    }
}
