//! The injector: the shared FIFO for tasks scheduled from outside the workers and for a
//! full local queue's overflow.
//!
//! Outside loom it is `crossbeam_deque::Injector`, a lock-free segmented queue: remote spawns
//! from many threads push without a lock. Under loom (which cannot see inside crossbeam) it
//! is a mutex around a `VecDeque` with the same interface.
//!
//! Closing: after shutdown nothing may linger in the queue, because a queued task holds its
//! scheduler alive and its scheduler holds the queue. `close` drains after setting the flag,
//! and a push re-checks the flag after pushing (both with SeqCst fences), so whichever runs
//! second sees the other and drops the task.

use crate::loom::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering::*};
use crate::queue::local::Overflow;
use crate::task::Notified;

pub(crate) struct Injector<S: 'static> {
    queue: imp::Queue<Notified<S>>,
    len: AtomicUsize,
    closed: AtomicBool,
}

impl<S: 'static> Injector<S> {
    pub(crate) fn new() -> Injector<S> {
        Injector {
            queue: imp::Queue::new(),
            len: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    pub(crate) fn push(&self, task: Notified<S>) {
        self.len.fetch_add(1, Relaxed);
        self.queue.push(task);
        fence(SeqCst);
        if self.closed.load(Relaxed) {
            self.drain();
        }
    }

    pub(crate) fn pop(&self) -> Option<Notified<S>> {
        if self.len.load(Acquire) == 0 {
            return None;
        }
        let task = self.queue.pop()?;
        self.len.fetch_sub(1, Relaxed);
        Some(task)
    }

    /// Approximate number of queued tasks.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes the queue and drops what it holds. Returns `true` for the first caller.
    pub(crate) fn close(&self) -> bool {
        let first = !self.closed.swap(true, SeqCst);
        fence(SeqCst);
        self.drain();
        first
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }

    fn drain(&self) {
        while let Some(task) = self.queue.pop() {
            self.len.fetch_sub(1, Relaxed);
            drop(task);
        }
    }
}

impl<S: 'static> Overflow<S> for Injector<S> {
    fn push(&self, task: Notified<S>) {
        Injector::push(self, task)
    }

    fn push_batch(&self, tasks: impl Iterator<Item = Notified<S>>) {
        tasks.for_each(|t| Injector::push(self, t));
    }
}

#[cfg(not(loom))]
mod imp {
    use crossbeam_deque::Steal;

    pub(super) struct Queue<T>(crossbeam_deque::Injector<T>);

    impl<T> Queue<T> {
        pub(super) fn new() -> Self {
            Queue(crossbeam_deque::Injector::new())
        }
        pub(super) fn push(&self, t: T) {
            self.0.push(t)
        }
        pub(super) fn pop(&self) -> Option<T> {
            loop {
                match self.0.steal() {
                    Steal::Success(t) => return Some(t),
                    Steal::Empty => return None,
                    Steal::Retry => crate::loom::spin_loop(),
                }
            }
        }
    }
}

#[cfg(loom)]
mod imp {
    use crate::loom::sync::Mutex;
    use std::collections::VecDeque;

    pub(super) struct Queue<T>(Mutex<VecDeque<T>>);

    impl<T> Queue<T> {
        pub(super) fn new() -> Self {
            Queue(Mutex::new(VecDeque::new()))
        }
        pub(super) fn push(&self, t: T) {
            self.0.lock().push_back(t)
        }
        pub(super) fn pop(&self) -> Option<T> {
            self.0.lock().pop_front()
        }
    }
}
