//! The shared half of the scheduler, which tasks hold (`Arc<Handle>` is their `Schedule`).

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use crossbeam_utils::CachePadded;

use super::idle::Idle;
use super::parker::{SharedDriver, Unparker};
use super::worker::{self, Core};
use crate::loom::sync::atomic::AtomicU64;
use crate::loom::sync::Mutex;
use crate::queue::inject::Injector;
use crate::queue::lifo::LifoSlot;
use crate::queue::local::Steal;
use crate::runtime::{Common, Config, WorkerMetrics};
use crate::task::list::OwnedTasks;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};

pub(crate) struct Handle {
    pub(crate) shared: Shared,
    pub(crate) common: Common,
}

pub(crate) struct Shared {
    pub(crate) remotes: Box<[CachePadded<Remote>]>,
    pub(crate) inject: Injector<Arc<Handle>>,
    /// Padded: workers write its counts whenever they start or stop searching, and it must
    /// not share a line with the fields every poll reads (`remotes`, `config`).
    pub(crate) idle: CachePadded<Idle>,
    pub(crate) owned: OwnedTasks<Arc<Handle>>,
    #[allow(clippy::vec_box)] // cores move between threads by pointer, never by value
    pub(crate) shutdown_cores: Mutex<Vec<Box<Core>>>,
    pub(crate) driver: Arc<SharedDriver>,
    pub(crate) config: Config,
}

/// What other threads may touch of a worker.
pub(crate) struct Remote {
    pub(crate) steal: Steal<Arc<Handle>>,
    pub(crate) lifo: LifoSlot<Arc<Handle>>,
    pub(crate) unpark: Unparker,
    /// Polls started by this worker; a thief uses it to tell a stranded LIFO task.
    pub(crate) polls: AtomicU64,
    pub(crate) metrics: WorkerMetrics,
}

impl Handle {
    #[track_caller]
    pub(crate) fn spawn<F>(
        me: &Arc<Handle>,
        future: F,
        id: Id,
        spawned_at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = me.shared.owned.bind(future, me.clone(), id, spawned_at);
        if let Some(notified) = notified {
            me.schedule_task(notified, false);
        }
        join
    }

    pub(crate) fn schedule_task(self: &Arc<Self>, task: Notified<Arc<Handle>>, is_yield: bool) {
        if let Err(task) = worker::schedule_local(self, task, is_yield) {
            self.shared.inject.push(task);
            self.notify_parked();
        }
    }

    /// Wakes a sleeping worker if no one is searching.
    pub(crate) fn notify_parked(&self) {
        if let Some(index) = self.shared.idle.worker_to_notify() {
            self.shared.remotes[index].unpark.unpark();
        }
    }

    /// After the last searcher gave up: wake someone if any queue still has work.
    pub(crate) fn notify_if_work_pending(&self) {
        for remote in self.shared.remotes.iter() {
            if !remote.steal.is_empty() || remote.lifo.is_occupied() {
                self.notify_parked();
                return;
            }
        }
        if !self.shared.inject.is_empty() {
            self.notify_parked();
        }
    }

    /// Starts shutdown: closes the injector and wakes every worker.
    pub(crate) fn shutdown(&self) {
        if self.shared.inject.close() {
            for (i, remote) in self.shared.remotes.iter().enumerate() {
                self.shared.idle.unpark_worker_by_id(i);
                remote.unpark.unpark();
            }
        }
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }
}

impl Schedule for Arc<Handle> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified<Self>) {
        self.schedule_task(task, true);
    }

    fn yield_deferred(&self, task: Notified<Self>) {
        if let Err(task) = worker::defer_local(self, task) {
            crate::task::defer_in_list(self, task);
        }
    }
}
