//! The blocking pool's hand-off rules: the job queue and the counts of idle and woken
//! threads that decide whether a new job wakes an idle thread, needs a new thread, or
//! already has one on its way.
//!
//! Pure bookkeeping: the pool keeps a `Handoff` inside its mutex and does the waking,
//! waiting and thread spawning itself, as each method's result tells it. Keeping the rules
//! here lets `tests/loom_blocking.rs` drive this very code from loom threads.
//!
//! The invariant that makes `push`'s shortcut safe: a thread counted in `num_notify` was
//! woken for work and has not reached the queue yet; when it does, it takes at least one job
//! if any is queued. So while `queue.len() <= num_notify`, every queued job has a thread on
//! its way (or a thread that finished its own job took it first, which only leaves a woken
//! thread with nothing to do).

use std::collections::VecDeque;

/// What the spawner of a job must do after [`Handoff::push`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Push<J> {
    /// A thread already woken will take it.
    Covered,
    /// Wake one idle thread (the count already says so).
    NotifyOne,
    /// No idle thread: start a new one if the cap allows (else it waits for a busy one).
    SpawnThread,
    /// The pool is shut down: the job is handed back to be cancelled.
    Shutdown(J),
}

/// What an idle thread does after its wait returned.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Woken {
    /// It was woken for work (its notification is consumed): take jobs.
    Work,
    /// Shutdown: leave the idle count and finish the queue.
    Shutdown,
    /// Idle for the whole keep-alive: it has left the idle count; exit.
    Exit,
    /// Neither (another waiter took the notification): wait again.
    Wait,
}

/// The queue and the counts, all guarded by the pool's mutex.
pub(crate) struct Handoff<J> {
    queue: VecDeque<J>,
    /// Threads waiting for work.
    num_idle: usize,
    /// Wake-ups issued to idle threads and not yet consumed.
    num_notify: usize,
    shutdown: bool,
}

impl<J> Handoff<J> {
    pub(crate) fn new() -> Handoff<J> {
        Handoff {
            queue: VecDeque::new(),
            num_idle: 0,
            num_notify: 0,
            shutdown: false,
        }
    }

    /// Whether the pool was shut down (pushes are refused from then on).
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shutdown
    }

    /// Queues `job` and says how it gets a thread.
    pub(crate) fn push(&mut self, job: J) -> Push<J> {
        if self.shutdown {
            return Push::Shutdown(job);
        }
        self.queue.push_back(job);
        if self.queue.len() <= self.num_notify {
            // See the module doc: this job has its thread without another wake-up.
            return Push::Covered;
        }
        if self.num_idle > 0 {
            self.num_idle -= 1;
            self.num_notify += 1;
            return Push::NotifyOne;
        }
        Push::SpawnThread
    }

    /// Takes back the job just pushed (a new thread for it could not be started).
    pub(crate) fn unpush(&mut self) -> Option<J> {
        self.queue.pop_back()
    }

    /// The next job, for a thread that is not idle.
    pub(crate) fn pop(&mut self) -> Option<J> {
        self.queue.pop_front()
    }

    /// A thread found the queue empty and starts waiting.
    pub(crate) fn begin_idle(&mut self) {
        self.num_idle += 1;
    }

    /// Whether an idle thread may wait (no shutdown yet).
    pub(crate) fn may_wait(&self) -> bool {
        !self.shutdown
    }

    /// An idle thread's wait returned; `kept_alive_out` says whether it has now waited the
    /// whole keep-alive.
    pub(crate) fn woken(&mut self, kept_alive_out: bool) -> Woken {
        if self.num_notify > 0 {
            // Someone queued work for us (and already took us off the idle count). A thread
            // that timed out may take a notification meant for another: the counts only say
            // that one idle thread must go to work, not which.
            self.num_notify -= 1;
            return Woken::Work;
        }
        if self.shutdown {
            return Woken::Shutdown;
        }
        if kept_alive_out {
            self.num_idle -= 1;
            return Woken::Exit;
        }
        Woken::Wait
    }

    /// An idle thread saw shutdown: it is no longer idle.
    pub(crate) fn end_idle(&mut self) {
        self.num_idle -= 1;
    }

    /// Starts shutdown; returns `false` if it had already started.
    pub(crate) fn shut_down(&mut self) -> bool {
        !std::mem::replace(&mut self.shutdown, true)
    }

    pub(crate) fn num_idle(&self) -> usize {
        self.num_idle
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn woken_threads_cover_queued_jobs() {
        let mut h = Handoff::new();
        assert_eq!(h.push(1), Push::SpawnThread);
        // The thread took it and went idle, twice over (two threads).
        assert_eq!(h.pop(), Some(1));
        h.begin_idle();
        h.begin_idle();
        assert_eq!(h.push(2), Push::NotifyOne);
        // A busy thread finishing its job takes job 2 before the woken one arrives.
        assert_eq!(h.pop(), Some(2));
        // Job 3 is covered by the woken thread still on its way.
        assert_eq!(h.push(3), Push::Covered);
        // Job 4 is one more than the woken threads: wake the other idle one.
        assert_eq!(h.push(4), Push::NotifyOne);
        assert_eq!(h.num_idle(), 0);
        assert_eq!(h.push(5), Push::SpawnThread);
        assert_eq!(h.woken(false), Woken::Work);
        assert_eq!(h.woken(true), Woken::Work);
        h.begin_idle();
        assert_eq!(h.woken(false), Woken::Wait);
        assert_eq!(h.woken(true), Woken::Exit);
        assert_eq!(h.num_idle(), 0);
    }

    #[test]
    fn shutdown_hands_jobs_back() {
        let mut h = Handoff::new();
        h.begin_idle();
        assert!(h.shut_down());
        assert!(!h.shut_down());
        assert_eq!(h.push(7), Push::Shutdown(7));
        assert_eq!(h.woken(false), Woken::Shutdown);
        assert!(!h.may_wait());
    }
}
