//! Loom models of how workers go to sleep and are woken: the idle bookkeeping
//! (`Idle`), the worker parkers (on the shared driver or their own condvar) and the plain
//! `park::Parker` driver underneath.
//!
//! A lost wake-up shows up as every thread blocked: loom reports it as a deadlock.

#![cfg(loom)]

use std::time::Duration;

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread;

use magpie_sched::loom_api::{
    local, next_id, Idle, Injector, Local, SharedDriver, Steal, WorkerParker, WorkerUnparker,
};
use magpie_sched::park::{boxed, Park, Parker, Unpark};
use magpie_sched::task::{unowned, JoinHandle, Notified, Schedule, Task};

/// The work in these models is never run, only found.
struct NoopScheduler;

impl Schedule for NoopScheduler {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    fn schedule(&self, _task: Notified<Self>) {
        unreachable!("park models never wake a task");
    }
}

fn task() -> (Notified<NoopScheduler>, JoinHandle<()>) {
    unowned(async {}, NoopScheduler, next_id())
}

/// What a multi-thread scheduler's workers share, cut down to the parking protocol.
struct Pool {
    idle: Idle,
    inject: Injector<NoopScheduler>,
    /// Each worker's local queue, as thieves see it.
    steals: Vec<Steal<NoopScheduler>>,
    unparkers: Vec<WorkerUnparker>,
    driver: SharedDriver,
    /// Tasks found by workers; the worker that finds the last one shuts the pool down.
    /// A worker that finds any other task runs it until then.
    found: AtomicUsize,
    tasks: usize,
    stopped: Mutex<bool>,
    stopped_cvar: Condvar,
}

/// What one worker owns: its parker and its local queue.
struct Worker {
    index: usize,
    parker: WorkerParker,
    queue: Local<NoopScheduler>,
}

impl Pool {
    /// A pool of `num_workers` that expects `tasks` tasks. The model runs the workers it
    /// wants as threads; the others are busy running something and never park.
    fn new(num_workers: usize, tasks: usize) -> (Arc<Pool>, Vec<Worker>) {
        let driver = SharedDriver::new(boxed(Parker::new()));
        let mut steals = Vec::new();
        let workers: Vec<_> = (0..num_workers)
            .map(|index| {
                let (steal, queue) = local();
                steals.push(steal);
                Worker {
                    index,
                    parker: WorkerParker::new(&driver),
                    queue,
                }
            })
            .collect();
        let pool = Arc::new(Pool {
            idle: Idle::new(num_workers),
            inject: Injector::new(),
            steals,
            unparkers: workers.iter().map(|w| w.parker.unparker()).collect(),
            driver,
            found: AtomicUsize::new(0),
            tasks,
            stopped: Mutex::new(false),
            stopped_cvar: Condvar::new(),
        });
        (pool, workers)
    }

    /// `Handle::notify_parked`.
    fn notify_parked(&self) {
        if let Some(worker) = self.idle.worker_to_notify() {
            self.unparkers[worker].unpark();
        }
    }

    /// A spawn from outside the workers: push, then wake a sleeper if no one searches.
    fn spawn(&self, task: Notified<NoopScheduler>) {
        self.inject.push(task);
        self.notify_parked();
    }

    /// `Handle::notify_if_work_pending`: the last searcher's look at every queue.
    fn notify_if_work_pending(&self) {
        if self.steals.iter().any(|s| !s.is_empty()) || !self.inject.is_empty() {
            self.notify_parked();
        }
    }

    /// `Handle::shutdown`: close the injector, then take every worker off the sleeper list
    /// and unpark it.
    fn shutdown(&self) {
        assert!(self.inject.close());
        for (index, unparker) in self.unparkers.iter().enumerate() {
            self.idle.unpark_worker_by_id(index);
            unparker.unpark();
        }
        *self.stopped.lock().unwrap() = true;
        self.stopped_cvar.notify_all();
    }

    /// A worker's loop (`Context::run` with `next_task`, `steal_work` and `park`) until
    /// shutdown. Finding a task counts it (tasks are never polled); the worker that finds a
    /// task then stays busy with it until the pool stops.
    fn run_worker(&self, mut worker: Worker) {
        let mut searching = false;
        loop {
            let found = worker.queue.pop().is_some()
                || self.inject.pop().is_some()
                || self.search(&mut worker, &mut searching);
            if found {
                // Core::transition_from_searching: the last searcher to find work wakes
                // another worker to keep looking.
                if searching && self.idle.transition_worker_from_searching() {
                    self.notify_parked();
                }
                if self.found.fetch_add(1, SeqCst) + 1 == self.tasks {
                    self.shutdown();
                } else {
                    // "Run" the task until the pool stops: the other tasks must be found by
                    // other workers, woken for them.
                    let mut stopped = self.stopped.lock().unwrap();
                    while !*stopped {
                        stopped = self.stopped_cvar.wait(stopped).unwrap();
                    }
                }
                return;
            }
            // Core::transition_to_parked: a worker that leaves no one searching looks again.
            if self
                .idle
                .transition_worker_to_parked(worker.index, searching)
            {
                self.notify_if_work_pending();
            }
            loop {
                worker.parker.park(None);
                // A producer counts its task in the injector's length just before the task
                // can be popped, so a worker can wake for it (or see `!is_empty()` when
                // parking) a moment early and go round again: a spin, to loom. Yielding
                // lets loom run the producer, as the hardware would.
                thread::yield_now();
                if self.inject.is_closed() {
                    return;
                }
                // Core::transition_from_parked: still listed means a spurious wake-up.
                if !self.idle.is_parked(worker.index) {
                    searching = true;
                    break;
                }
            }
        }
    }

    /// `steal_work`: become a searcher (if allowed), steal from the other workers, look at
    /// the injector again.
    fn search(&self, worker: &mut Worker, searching: &mut bool) -> bool {
        if !*searching {
            *searching = self.idle.transition_worker_to_searching();
            if !*searching {
                return false;
            }
        }
        for (victim, steal) in self.steals.iter().enumerate() {
            if victim != worker.index && steal.steal_into(&mut worker.queue).is_some() {
                return true;
            }
        }
        self.inject.pop().is_some()
    }
}

/// Runs `live` workers of a `num_workers` pool against a producer that spawns `tasks`
/// tasks from outside; the worker that finds the last one shuts the pool down. A lost
/// wake-up leaves a task in the injector with every worker asleep or busy: a deadlock.
fn spawn_vs_park(num_workers: usize, live: usize, tasks: usize) {
    loom::model(move || {
        let (pool, workers) = Pool::new(num_workers, tasks);
        let threads: Vec<_> = workers
            .into_iter()
            .take(live)
            .map(|worker| {
                let pool = pool.clone();
                thread::spawn(move || pool.run_worker(worker))
            })
            .collect();

        let mut joins = Vec::new();
        for _ in 0..tasks {
            let (notified, join) = task();
            joins.push(join);
            pool.spawn(notified);
        }
        for thread in threads {
            thread.join().unwrap();
        }
        pool.driver.shutdown();
        assert!(pool.inject.is_empty());
        assert_eq!(pool.found.load(SeqCst), tasks);
    });
}

/// One worker parks (the other is busy) while a task is spawned from outside.
#[test]
fn spawn_vs_park_one_sleeper() {
    spawn_vs_park(2, 1, 1);
}

/// Both workers look for work and park while a task is spawned from outside; the one woken
/// must find it, even if the other searcher gives up at the same time.
#[test]
fn spawn_vs_park_two_workers() {
    spawn_vs_park(2, 2, 1);
}

/// Two tasks for two workers, each busy for good with the first task it finds: the second
/// task must reach the other worker (the last searcher to find work wakes another one, or
/// the spawn itself does), not wait behind the first.
#[test]
fn spawn_two_vs_park_two_workers() {
    spawn_vs_park(2, 2, 2);
}

/// A busy worker spawns onto its own local queue (`schedule_local`) while the other worker
/// looks for work and parks: the sleeper must be woken to steal the task (or see it when it
/// gives up searching).
#[test]
fn local_spawn_vs_park() {
    loom::model(|| {
        let (pool, mut workers) = Pool::new(2, 1);
        let thief = workers.pop().expect("two workers");
        let mut busy = workers.pop().expect("two workers");
        let thread = {
            let pool = pool.clone();
            thread::spawn(move || pool.run_worker(thief))
        };

        let (notified, _join) = task();
        busy.queue.push_back_or_overflow(notified, &pool.inject);
        pool.notify_parked();
        thread.join().unwrap();
        pool.driver.shutdown();
        assert!(busy.queue.is_empty(), "the sleeper did not take the task");
        assert_eq!(pool.found.load(SeqCst), 1);
    });
}

/// Shutdown races two workers going to sleep (one on the driver, one on its condvar):
/// both must wake and stop.
#[test]
fn shutdown_vs_park() {
    loom::model(|| {
        let (pool, workers) = Pool::new(2, 0);
        let workers: Vec<_> = workers
            .into_iter()
            .map(|mut worker| {
                let pool = pool.clone();
                thread::spawn(move || {
                    pool.idle.transition_worker_to_parked(worker.index, false);
                    while !pool.inject.is_closed() {
                        worker.parker.park(None);
                    }
                })
            })
            .collect();
        pool.shutdown();
        for worker in workers {
            worker.join().unwrap();
        }
        pool.driver.shutdown();
    });
}

/// An unpark racing a worker's park (driver or condvar): the park returns, whether the
/// unpark came before (the token is kept), during or after.
fn worker_unpark_vs_park(on_driver: bool) {
    loom::model(move || {
        let driver = SharedDriver::new(boxed(Parker::new()));
        if !on_driver {
            // Without a driver to take, the worker sleeps on its own condvar.
            driver.shutdown();
        }
        let mut parker = WorkerParker::new(&driver);
        let unparker = parker.unparker();
        let waker = thread::spawn(move || unparker.unpark());
        parker.park(None);
        waker.join().unwrap();
        if on_driver {
            // The token was consumed; a zero-timeout park returns without one. (Loom's
            // condvar never times out, so only the driver path can check this.)
            parker.park(Some(Duration::ZERO));
        }
        driver.shutdown();
    });
}

#[test]
fn worker_unpark_vs_park_driver() {
    worker_unpark_vs_park(true);
}

#[test]
fn worker_unpark_vs_park_condvar() {
    worker_unpark_vs_park(false);
}

/// Two unparks against two parks of one worker: two wake-ups may merge into one token, but
/// a token must never be lost while the worker sleeps. Here the second park happens only
/// after the second unpark has certainly happened.
#[test]
fn worker_unpark_twice() {
    loom::model(|| {
        let driver = SharedDriver::new(boxed(Parker::new()));
        let mut parker = WorkerParker::new(&driver);
        let unparker = parker.unparker();
        let step = Arc::new((Mutex::new(0), Condvar::new()));
        let waker = {
            let step = step.clone();
            thread::spawn(move || {
                unparker.unpark();
                let (lock, cvar) = &*step;
                let mut s = lock.lock().unwrap();
                while *s == 0 {
                    s = cvar.wait(s).unwrap();
                }
                drop(s);
                unparker.unpark();
            })
        };
        parker.park(None);
        {
            let (lock, cvar) = &*step;
            *lock.lock().unwrap() = 1;
            cvar.notify_one();
        }
        parker.park(None);
        waker.join().unwrap();
        driver.shutdown();
    });
}

/// The plain `Parker` driver: an unpark from another thread racing the park.
#[test]
fn parker_unpark_vs_park() {
    loom::model(|| {
        let mut parker = Parker::new();
        let unpark = parker.unpark();
        let waker = thread::spawn(move || unpark.unpark());
        parker.park();
        waker.join().unwrap();
    });
}
