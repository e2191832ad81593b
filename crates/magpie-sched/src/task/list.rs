//! `OwnedTasks`: every live task of a scheduler, so shutdown can cancel each exactly once.
//!
//! An intrusive doubly linked list (the links live in each task's header, so insertion
//! allocates nothing), split into shards by task id so spawns on different workers rarely
//! meet on one lock.

use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;

use crossbeam_utils::CachePadded;

use super::{Header, Id, JoinHandle, Notified, RawTask, Schedule, Task};
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::Mutex;

pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: usize,
    closed: AtomicBool,
    _scheduler: std::marker::PhantomData<S>,
}

struct Shard {
    head: Option<NonNull<Header>>,
    len: usize,
}

// SAFETY: the raw pointers in a shard are only followed under its lock, and point to tasks
// that the list holds a reference to.
unsafe impl Send for Shard {}

impl<S: Schedule> OwnedTasks<S> {
    pub(crate) fn new(shards: usize) -> OwnedTasks<S> {
        let shards = shards.max(1).next_power_of_two();
        OwnedTasks {
            shards: (0..shards)
                .map(|_| CachePadded::new(Mutex::new(Shard { head: None, len: 0 })))
                .collect(),
            mask: shards - 1,
            closed: AtomicBool::new(false),
            _scheduler: std::marker::PhantomData,
        }
    }

    fn shard(&self, id: Id) -> &Mutex<Shard> {
        &self.shards[id.0.get() as usize & self.mask]
    }

    /// Allocates a task and adds it to the list. Returns its `JoinHandle` and the
    /// notification for its first poll, or `None` if the list is closed (the task was
    /// cancelled at once and the handle resolves to a cancelled error).
    pub(crate) fn bind<F>(
        &self,
        future: F,
        scheduler: S,
        id: Id,
        spawned_at: &'static Location<'static>,
    ) -> (JoinHandle<F::Output>, Option<Notified<S>>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let raw = RawTask::new(future, scheduler, id, true, spawned_at);
        self.bind_raw(raw)
    }

    /// [`bind`](Self::bind) for a `!Send` future.
    ///
    /// # Safety
    /// As for [`RawTask::new_local`]: the scheduler runs the task on its owner thread only.
    pub(crate) unsafe fn bind_local<F>(
        &self,
        future: F,
        scheduler: S,
        id: Id,
        spawned_at: &'static Location<'static>,
    ) -> (JoinHandle<F::Output>, Option<Notified<S>>)
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // SAFETY: the caller's contract.
        let raw = unsafe { RawTask::new_local(future, scheduler, id, true, spawned_at) };
        self.bind_raw(raw)
    }

    fn bind_raw<T>(&self, raw: RawTask) -> (JoinHandle<T>, Option<Notified<S>>) {
        let id = raw.id();
        let join = JoinHandle::new(raw);
        // SAFETY: a new owned task holds three references: list, JoinHandle, notification.
        let (task, notified) = unsafe {
            (
                Task::<S>::from_raw(raw.header_ptr()),
                Notified::<S>::from_raw(raw.header_ptr()),
            )
        };
        let mut shard = self.shard(id).lock();
        // Checked under the shard lock: `close` sets the flag before it drains each shard,
        // so a task added here either sees the flag or is drained.
        if self.closed.load(Ordering::Acquire) {
            drop(shard);
            drop(notified);
            task.shutdown();
            return (join, None);
        }
        let ptr = task.header_ptr();
        std::mem::forget(task);
        // SAFETY: we hold the shard lock, which guards the links of every task in it, and
        // `ptr` is live (the list's reference).
        unsafe {
            let header = ptr.as_ref();
            header.owned_prev.with_mut(|p| *p = None);
            header.owned_next.with_mut(|p| *p = shard.head);
            if let Some(old) = shard.head {
                old.as_ref().owned_prev.with_mut(|p| *p = Some(ptr));
            }
        }
        shard.head = Some(ptr);
        shard.len += 1;
        (join, Some(notified))
    }

    /// Removes `task` from the list, returning the list's reference, or `None` if it is not
    /// in the list (already drained by shutdown).
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let ptr = task.header_ptr();
        let mut shard = self.shard(task.id()).lock();
        // SAFETY: links are read and written under the shard lock; `ptr` is live because the
        // caller holds a reference.
        unsafe {
            let header = ptr.as_ref();
            let prev = header.owned_prev.with(|p| *p);
            let next = header.owned_next.with(|p| *p);
            match prev {
                Some(prev) => prev.as_ref().owned_next.with_mut(|p| *p = next),
                None if shard.head == Some(ptr) => shard.head = next,
                None => return None,
            }
            if let Some(next) = next {
                next.as_ref().owned_prev.with_mut(|p| *p = prev);
            }
            header.owned_prev.with_mut(|p| *p = None);
            header.owned_next.with_mut(|p| *p = None);
            shard.len -= 1;
            Some(Task::from_raw(ptr))
        }
    }

    fn pop(&self, shard: &Mutex<Shard>) -> Option<Task<S>> {
        let mut shard = shard.lock();
        let ptr = shard.head?;
        // SAFETY: as in `remove`; the head has no predecessor.
        unsafe {
            let header = ptr.as_ref();
            let next = header.owned_next.with(|p| *p);
            if let Some(next) = next {
                next.as_ref().owned_prev.with_mut(|p| *p = None);
            }
            header.owned_next.with_mut(|p| *p = None);
            shard.head = next;
            shard.len -= 1;
            Some(Task::from_raw(ptr))
        }
    }

    /// Closes the list (later binds are cancelled at once) and cancels every task in it.
    /// Several threads may call this concurrently; `start` spreads them over the shards.
    pub(crate) fn close_and_shutdown_all(&self, start: usize) {
        self.closed.store(true, Ordering::Release);
        let n = self.shards.len();
        for i in 0..n {
            let shard = &self.shards[(start + i) & self.mask];
            while let Some(task) = self.pop(shard) {
                task.shutdown();
            }
        }
    }

    /// The number of tasks in the list (alive: spawned and not yet completed).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
    }
}
