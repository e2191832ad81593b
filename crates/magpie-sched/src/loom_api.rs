//! Test-only doors into the crate's concurrency cores, for the loom models in
//! `tests/loom_*.rs`.
//!
//! Compiled only under `cfg(loom)`. Integration tests see public items only, so each
//! crate-internal piece a model drives gets a thin public wrapper here that forwards to the
//! real code: the models check the scheduler's own queues, task list and parkers, never
//! copies of them.

#![allow(missing_docs, missing_debug_implementations)]

use std::future::Future;
use std::panic::Location;
use std::sync::Arc as StdArc;
use std::time::Duration;

use crate::multi_thread::{idle, parker};
use crate::park::BoxPark;
use crate::queue::{inject, lifo, local};
use crate::task::{list, Id, JoinHandle, Notified, Schedule, Task};

/// A fresh task id (`Id::next` is crate-private).
pub fn next_id() -> Id {
    Id::next()
}

/// The owned-task list of a scheduler.
pub struct OwnedTasks<S: 'static>(list::OwnedTasks<S>);

impl<S: Schedule> OwnedTasks<S> {
    pub fn new(shards: usize) -> OwnedTasks<S> {
        OwnedTasks(list::OwnedTasks::new(shards))
    }

    /// Spawns `future` into the list; `None` means the list was closed and the task was
    /// cancelled at once.
    #[track_caller]
    pub fn bind<F>(&self, future: F, scheduler: S) -> (JoinHandle<F::Output>, Option<Notified<S>>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0
            .bind(future, scheduler, Id::next(), Location::caller())
    }

    pub fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        self.0.remove(task)
    }

    pub fn close_and_shutdown_all(&self, start: usize) {
        self.0.close_and_shutdown_all(start)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The shared injector queue.
pub struct Injector<S: 'static>(inject::Injector<S>);

impl<S: 'static> Injector<S> {
    pub fn new() -> Injector<S> {
        Injector(inject::Injector::new())
    }

    pub fn push(&self, task: Notified<S>) {
        self.0.push(task)
    }

    pub fn pop(&self) -> Option<Notified<S>> {
        self.0.pop()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn close(&self) -> bool {
        self.0.close()
    }

    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

impl<S: 'static> Default for Injector<S> {
    fn default() -> Self {
        Injector::new()
    }
}

/// The local queue's capacity.
pub const LOCAL_CAPACITY: usize = local::CAPACITY;

/// A worker's local run queue (owner end).
pub struct Local<S: 'static>(local::Local<S>);

/// A worker's local run queue (thief end).
pub struct Steal<S: 'static>(local::Steal<S>);

/// Creates a local run queue.
pub fn local<S: 'static>() -> (Steal<S>, Local<S>) {
    let (steal, local) = local::local();
    (Steal(steal), Local(local))
}

impl<S: 'static> Local<S> {
    /// Pushes, overflowing half the queue into `inject` when full.
    pub fn push_back_or_overflow(&mut self, task: Notified<S>, inject: &Injector<S>) {
        self.0.push_back_or_overflow(task, &inject.0)
    }

    /// Pushes all of `tasks` (leaving it empty), publishing those that fit at once.
    pub fn push_back_batch(&mut self, tasks: &mut Vec<Notified<S>>, inject: &Injector<S>) {
        self.0.push_back_batch(tasks, &inject.0)
    }

    pub fn pop(&mut self) -> Option<Notified<S>> {
        self.0.pop()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn remaining_slots(&self) -> usize {
        self.0.remaining_slots()
    }
}

impl<S: 'static> Steal<S> {
    pub fn steal_into(&self, dst: &mut Local<S>) -> Option<Notified<S>> {
        self.0.steal_into(&mut dst.0)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<S: 'static> Clone for Steal<S> {
    fn clone(&self) -> Self {
        Steal(self.0.clone())
    }
}

/// A worker's LIFO slot.
pub struct LifoSlot<S: 'static>(lifo::LifoSlot<S>);

impl<S: 'static> LifoSlot<S> {
    pub fn new() -> LifoSlot<S> {
        LifoSlot(lifo::LifoSlot::new())
    }

    pub fn push(&self, task: Notified<S>) -> Option<Notified<S>> {
        self.0.push(task)
    }

    pub fn take(&self) -> Option<Notified<S>> {
        self.0.take()
    }

    pub fn is_occupied(&self) -> bool {
        self.0.is_occupied()
    }
}

impl<S: 'static> Default for LifoSlot<S> {
    fn default() -> Self {
        LifoSlot::new()
    }
}

/// The multi-thread scheduler's idle bookkeeping (searching/unparked counts, sleepers).
pub struct Idle(idle::Idle);

impl Idle {
    pub fn new(num_workers: usize) -> Idle {
        Idle(idle::Idle::new(num_workers))
    }

    pub fn worker_to_notify(&self) -> Option<usize> {
        self.0.worker_to_notify()
    }

    pub fn transition_worker_to_searching(&self) -> bool {
        self.0.transition_worker_to_searching()
    }

    pub fn transition_worker_from_searching(&self) -> bool {
        self.0.transition_worker_from_searching()
    }

    pub fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        self.0.transition_worker_to_parked(worker, is_searching)
    }

    pub fn is_parked(&self, worker: usize) -> bool {
        self.0.is_parked(worker)
    }

    pub fn unpark_worker_by_id(&self, worker: usize) -> bool {
        self.0.unpark_worker_by_id(worker)
    }
}

/// The driver stack shared by a runtime's workers.
#[derive(Clone)]
pub struct SharedDriver(StdArc<parker::SharedDriver>);

impl SharedDriver {
    pub fn new(driver: BoxPark) -> SharedDriver {
        SharedDriver(StdArc::new(parker::SharedDriver::new(driver)))
    }

    pub fn poll_events(&self) -> bool {
        self.0.poll_events()
    }

    pub fn shutdown(&self) {
        self.0.shutdown()
    }

    pub fn unpark(&self) {
        self.0.unpark()
    }
}

/// A worker's parker (driver if free, else its own condvar).
pub struct WorkerParker(parker::Parker);

/// Wakes one [`WorkerParker`].
#[derive(Clone)]
pub struct WorkerUnparker(parker::Unparker);

impl WorkerParker {
    pub fn new(shared: &SharedDriver) -> WorkerParker {
        WorkerParker(parker::Parker::new(shared.0.clone()))
    }

    pub fn unparker(&self) -> WorkerUnparker {
        WorkerUnparker(self.0.unparker())
    }

    pub fn park(&mut self, timeout: Option<Duration>) {
        self.0.park(timeout)
    }

    pub fn shutdown_driver(&self) {
        self.0.shutdown_driver()
    }
}

impl WorkerUnparker {
    pub fn unpark(&self) {
        self.0.unpark()
    }
}

/// The blocking pool's hand-off rules (its job queue and idle/woken thread counts).
pub struct Handoff<J>(crate::blocking::handoff::Handoff<J>);

/// What the spawner of a job must do (see `blocking::handoff::Push`).
#[derive(Debug, PartialEq, Eq)]
pub enum Push<J> {
    Covered,
    NotifyOne,
    SpawnThread,
    Shutdown(J),
}

/// What an idle pool thread does after its wait (see `blocking::handoff::Woken`).
#[derive(Debug, PartialEq, Eq)]
pub enum Woken {
    Work,
    Shutdown,
    Exit,
    Wait,
}

impl<J> Handoff<J> {
    pub fn new() -> Handoff<J> {
        Handoff(crate::blocking::handoff::Handoff::new())
    }

    pub fn push(&mut self, job: J) -> Push<J> {
        use crate::blocking::handoff::Push as P;
        match self.0.push(job) {
            P::Covered => Push::Covered,
            P::NotifyOne => Push::NotifyOne,
            P::SpawnThread => Push::SpawnThread,
            P::Shutdown(job) => Push::Shutdown(job),
        }
    }

    pub fn pop(&mut self) -> Option<J> {
        self.0.pop()
    }

    pub fn begin_idle(&mut self) {
        self.0.begin_idle()
    }

    pub fn may_wait(&self) -> bool {
        self.0.may_wait()
    }

    pub fn woken(&mut self, kept_alive_out: bool) -> Woken {
        use crate::blocking::handoff::Woken as W;
        match self.0.woken(kept_alive_out) {
            W::Work => Woken::Work,
            W::Shutdown => Woken::Shutdown,
            W::Exit => Woken::Exit,
            W::Wait => Woken::Wait,
        }
    }

    pub fn end_idle(&mut self) {
        self.0.end_idle()
    }

    pub fn shut_down(&mut self) -> bool {
        self.0.shut_down()
    }

    pub fn num_idle(&self) -> usize {
        self.0.num_idle()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<J> Default for Handoff<J> {
    fn default() -> Self {
        Self::new()
    }
}
