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

use magpie_sched::loom_api::{next_id, Idle, Injector, SharedDriver, WorkerParker, WorkerUnparker};
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
    unparkers: Vec<WorkerUnparker>,
    driver: SharedDriver,
    /// Tasks found by workers; the worker that finds the last one shuts the pool down.
    found: AtomicUsize,
    tasks: usize,
}

impl Pool {
    /// A pool of `num_workers`; returns the parkers of the first `live` of them (the others
    /// are busy running something and never park in the model).
    fn new(num_workers: usize, live: usize, tasks: usize) -> (Arc<Pool>, Vec<WorkerParker>) {
        let driver = SharedDriver::new(boxed(Parker::new()));
        let parkers: Vec<_> = (0..num_workers)
            .map(|_| WorkerParker::new(&driver))
            .collect();
        let pool = Arc::new(Pool {
            idle: Idle::new(num_workers),
            inject: Injector::new(),
            unparkers: parkers.iter().map(WorkerParker::unparker).collect(),
            driver,
            found: AtomicUsize::new(0),
            tasks,
        });
        (pool, parkers.into_iter().take(live).collect())
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

    /// `Handle::shutdown`: close the injector, then take every worker off the sleeper list
    /// and unpark it.
    fn shutdown(&self) {
        assert!(self.inject.close());
        for (index, unparker) in self.unparkers.iter().enumerate() {
            self.idle.unpark_worker_by_id(index);
            unparker.unpark();
        }
    }

    /// A worker's loop (`Context::run` with `next_task`, `steal_work` and `park`, whose
    /// only queue is the injector) until shutdown.
    fn run_worker(&self, index: usize, mut parker: WorkerParker) {
        let mut searching = false;
        loop {
            if self.inject.pop().is_some() || self.search(&mut searching) {
                if searching {
                    searching = false;
                    if self.idle.transition_worker_from_searching() {
                        self.notify_parked();
                    }
                }
                if self.found.fetch_add(1, SeqCst) + 1 == self.tasks {
                    self.shutdown();
                    return;
                }
                continue;
            }
            // Core::transition_to_parked: the last searcher to give up looks again.
            if self.idle.transition_worker_to_parked(index, searching) && !self.inject.is_empty() {
                self.notify_parked();
            }
            loop {
                parker.park(None);
                // A producer counts its task in the injector's length just before the task
                // can be popped, so a worker can wake for it (or see `!is_empty()` when
                // parking) a moment early and go round again: a spin, to loom. Yielding
                // lets loom run the producer, as the hardware would.
                thread::yield_now();
                if self.inject.is_closed() {
                    return;
                }
                // Core::transition_from_parked: still listed means a spurious wake-up.
                if !self.idle.is_parked(index) {
                    searching = true;
                    break;
                }
            }
        }
    }

    /// `steal_work`: become a searcher (if allowed) and look at the injector again.
    fn search(&self, searching: &mut bool) -> bool {
        if !*searching {
            *searching = self.idle.transition_worker_to_searching();
            if !*searching {
                return false;
            }
        }
        self.inject.pop().is_some()
    }
}

/// Runs `live` workers of a `num_workers` pool against a producer that spawns `tasks`
/// tasks from outside; the worker that finds the last one shuts the pool down. A lost
/// wake-up leaves a task in the injector with every worker asleep: a deadlock.
fn spawn_vs_park(num_workers: usize, live: usize, tasks: usize) {
    loom::model(move || {
        let (pool, parkers) = Pool::new(num_workers, live, tasks);
        let workers: Vec<_> = parkers
            .into_iter()
            .enumerate()
            .map(|(index, parker)| {
                let pool = pool.clone();
                thread::spawn(move || pool.run_worker(index, parker))
            })
            .collect();

        let mut joins = Vec::new();
        for _ in 0..tasks {
            let (notified, join) = task();
            joins.push(join);
            pool.spawn(notified);
        }
        for worker in workers {
            worker.join().unwrap();
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

/// Shutdown races two workers going to sleep (one on the driver, one on its condvar):
/// both must wake and stop.
#[test]
fn shutdown_vs_park() {
    loom::model(|| {
        let (pool, parkers) = Pool::new(2, 2, 0);
        let workers: Vec<_> = parkers
            .into_iter()
            .enumerate()
            .map(|(index, mut parker)| {
                let pool = pool.clone();
                thread::spawn(move || {
                    pool.idle.transition_worker_to_parked(index, false);
                    while !pool.inject.is_closed() {
                        parker.park(None);
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
