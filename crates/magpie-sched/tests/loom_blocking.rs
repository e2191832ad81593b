//! Loom models of the blocking pool's hand-off: the pool's own rules (`Handoff`: which job
//! wakes an idle thread, which is covered by a thread already woken, when a thread leaves)
//! driven by loom threads that wait, wake and exit the way the pool's threads do.
//!
//! The invariant: no lost job. Every job pushed runs exactly once (or, after shutdown, is
//! handed back), whatever the interleaving of hand-off, a busy thread taking the next job,
//! an idle thread's keep-alive running out, and shutdown.
//!
//! Time is modelled by a clock thread: when it fires, the keep-alive is over for every
//! waiter (it wakes them all, as their timeouts would) and for any thread that starts
//! waiting afterwards.

#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Condvar, Mutex};
use loom::thread::{self, JoinHandle};

use magpie_sched::loom_api::{Handoff, Push, Woken};

struct State {
    handoff: Handoff<usize>,
    /// The keep-alive has run out.
    expired: bool,
}

struct Pool {
    state: Mutex<State>,
    condvar: Condvar,
    /// How often each job ran.
    runs: [AtomicUsize; 3],
    /// Jobs run so far, with a condvar for the model to wait on: a lost job leaves it
    /// waiting with every pool thread idle, which loom reports as a deadlock.
    done: Mutex<usize>,
    done_cv: Condvar,
    /// Threads started by `spawn`.
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Pool {
    fn new() -> Arc<Pool> {
        Arc::new(Pool {
            state: Mutex::new(State {
                handoff: Handoff::new(),
                expired: false,
            }),
            condvar: Condvar::new(),
            runs: Default::default(),
            done: Mutex::new(0),
            done_cv: Condvar::new(),
            threads: Mutex::new(Vec::new()),
        })
    }

    fn run(&self, job: usize) {
        self.runs[job].fetch_add(1, SeqCst);
        *self.done.lock().unwrap() += 1;
        self.done_cv.notify_all();
    }

    /// A pool thread's life, as in `Inner::run_blocking`: take jobs, wait idle, leave when
    /// the keep-alive is over, finish the queue on shutdown.
    fn thread_main(&self) {
        let mut st = self.state.lock().unwrap();
        'main: loop {
            while let Some(job) = st.handoff.pop() {
                drop(st);
                self.run(job);
                st = self.state.lock().unwrap();
            }
            st.handoff.begin_idle();
            while st.handoff.may_wait() {
                if !st.expired {
                    st = self.condvar.wait(st).unwrap();
                }
                let expired = st.expired;
                match st.handoff.woken(expired) {
                    Woken::Work => continue 'main,
                    Woken::Shutdown => break,
                    Woken::Exit => break 'main,
                    Woken::Wait => {}
                }
            }
            st.handoff.end_idle();
            while let Some(job) = st.handoff.pop() {
                drop(st);
                self.run(job);
                st = self.state.lock().unwrap();
            }
            break;
        }
    }
}

fn start_thread(pool: &Arc<Pool>) {
    let handle = {
        let pool = pool.clone();
        thread::spawn(move || pool.thread_main())
    };
    pool.threads.lock().unwrap().push(handle);
}

/// `Spawner::spawn_job`: queue the job, then wake, start or rely on a thread.
fn spawn(pool: &Arc<Pool>, job: usize) {
    let mut st = pool.state.lock().unwrap();
    match st.handoff.push(job) {
        Push::Covered => {}
        Push::NotifyOne => pool.condvar.notify_one(),
        Push::SpawnThread => {
            drop(st);
            start_thread(pool);
        }
        Push::Shutdown(job) => {
            drop(st);
            // Handed back to be cancelled: count it as accounted for.
            pool.run(job);
        }
    }
}

impl Pool {
    fn expire(&self) {
        let mut st = self.state.lock().unwrap();
        st.expired = true;
        self.condvar.notify_all();
    }

    fn shutdown(&self) {
        let mut st = self.state.lock().unwrap();
        if st.handoff.shut_down() {
            self.condvar.notify_all();
        }
    }

    /// Waits until `jobs` jobs have run.
    fn wait_for_jobs(&self, jobs: usize) {
        let mut done = self.done.lock().unwrap();
        while *done < jobs {
            done = self.done_cv.wait(done).unwrap();
        }
    }

    /// Waits until `n` pool threads are idle.
    fn wait_idle(&self, n: usize) {
        while self.state.lock().unwrap().handoff.num_idle() < n {
            thread::yield_now();
        }
    }

    fn join_all(&self) {
        loop {
            let next = self.threads.lock().unwrap().pop();
            match next {
                Some(handle) => handle.join().unwrap(),
                None => return,
            }
        }
    }

    fn check(&self, jobs: usize) {
        for j in 0..jobs {
            assert_eq!(self.runs[j].load(SeqCst), 1, "job {j} lost or run twice");
        }
        let st = self.state.lock().unwrap();
        assert!(st.handoff.is_empty(), "job left queued");
        assert_eq!(st.handoff.num_idle(), 0, "idle count off");
    }
}

/// A job handed to an idle thread while its keep-alive runs out: the thread takes the
/// wake-up even though it timed out, or leaves just before the job arrives (which then
/// starts a thread). The job runs once.
#[test]
fn hand_off_vs_keep_alive_timeout() {
    loom::model(|| {
        let pool = Pool::new();
        start_thread(&pool);
        let clock = {
            let pool = pool.clone();
            thread::spawn(move || pool.expire())
        };
        spawn(&pool, 0);
        pool.wait_for_jobs(1);
        clock.join().unwrap();
        pool.shutdown();
        pool.join_all();
        pool.check(1);
    });
}

/// A busy thread finishing its job takes the next queued one before the idle thread woken
/// for it arrives; the job after that is then covered by the woken thread without another
/// wake-up. Every job runs once.
#[test]
fn busy_thread_takes_a_woken_threads_job() {
    loom::model(|| {
        let pool = Pool::new();
        // An idle thread, and a busy one that will come back for more.
        start_thread(&pool);
        pool.wait_idle(1);
        let busy = {
            let pool = pool.clone();
            thread::spawn(move || {
                pool.run(0);
                pool.thread_main();
            })
        };
        spawn(&pool, 1);
        spawn(&pool, 2);
        pool.wait_for_jobs(3);
        pool.shutdown();
        busy.join().unwrap();
        pool.join_all();
        pool.check(3);
    });
}

/// Shutdown races a hand-off: the job runs (taken before shutdown, or finished on the way
/// out) or is handed back, exactly once; every thread exits.
#[test]
fn hand_off_vs_shutdown() {
    loom::model(|| {
        let pool = Pool::new();
        start_thread(&pool);
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.shutdown())
        };
        spawn(&pool, 0);
        stopper.join().unwrap();
        pool.join_all();
        pool.check(1);
    });
}
