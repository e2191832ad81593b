//! The pool's threads and queue.
//!
//! Threads are created on demand up to `max_blocking_threads`; an idle one waits
//! `thread_keep_alive` for new work and then exits. When every thread is busy and the cap is
//! reached, work queues. Worker threads of the multi-thread scheduler are also started here
//! (as dedicated threads), so shutdown waits for all runtime threads in one place.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::handoff::{Handoff, Push, Woken};
use super::task::{BlockingSchedule, BlockingTask};
// parking_lot, not the loom shim: the pool is not a loom-modelled core, and parking_lot's
// condvar hands a woken thread straight to the mutex instead of letting it contend for it
// (measured: std's futex pair left woken blocking threads waiting on this lock).
use crate::runtime::Handle;
use crate::task::{self, Id, JoinHandle, Notified};
use parking_lot::{Condvar, Mutex};

/// A callback run on runtime threads.
pub(crate) type Callback = Arc<dyn Fn() + Send + Sync>;
/// Names runtime threads.
pub(crate) type ThreadNameFn = Arc<dyn Fn() -> String + Send + Sync>;

/// How runtime threads are created.
#[derive(Clone)]
pub(crate) struct ThreadConfig {
    pub(crate) name: ThreadNameFn,
    pub(crate) stack_size: Option<usize>,
    pub(crate) after_start: Option<Callback>,
    pub(crate) before_stop: Option<Callback>,
    pub(crate) max_blocking: usize,
    pub(crate) keep_alive: Duration,
}

#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Mutex<Shared>,
    /// Idle blocking threads wait here for work.
    condvar: Condvar,
    /// Shutdown waits here for threads to exit.
    exited: Condvar,
    config: ThreadConfig,
}

struct Shared {
    /// The job queue and the idle/woken thread counts.
    handoff: Handoff<Job>,
    /// Blocking threads alive (not counting dedicated worker threads).
    num_blocking: usize,
    /// Dedicated (scheduler worker) threads alive.
    num_dedicated: usize,
    threads: HashMap<usize, thread::JoinHandle<()>>,
    next_thread_id: usize,
}

enum Job {
    Task {
        task: Notified<BlockingSchedule>,
        mandatory: bool,
    },
}

thread_local! {
    /// The pool this thread belongs to, so a runtime dropped on its own blocking thread
    /// does not wait for itself.
    static CURRENT_POOL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Spawner {
    pub(crate) fn new(config: ThreadConfig) -> Spawner {
        Spawner {
            inner: Arc::new(Inner {
                shared: Mutex::new(Shared {
                    handoff: Handoff::new(),
                    num_blocking: 0,
                    num_dedicated: 0,
                    threads: HashMap::new(),
                    next_thread_id: 0,
                }),
                condvar: Condvar::new(),
                exited: Condvar::new(),
                config,
            }),
        }
    }

    fn pool_id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// Runs `func` on the pool; returns its handle. After shutdown the task is cancelled
    /// and the handle resolves to a cancelled error.
    #[track_caller]
    pub(crate) fn spawn_blocking<F, R>(
        &self,
        rt: &Handle,
        func: F,
        mandatory: bool,
        release_guard: Option<Box<dyn Send>>,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (task, join) = task::unowned(
            BlockingTask::new(func),
            BlockingSchedule::new(release_guard),
            Id::next(),
        );
        if let Err(e) = self.spawn_job(rt, Job::Task { task, mandatory }) {
            panic!("OS can't spawn worker thread: {e}");
        }
        join
    }

    /// Whether the pool has shut down: jobs spawned now are cancelled, mandatory or not.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.inner.shared.lock().handoff.is_shut_down()
    }

    fn spawn_job(&self, rt: &Handle, job: Job) -> io::Result<()> {
        let mut shared = self.inner.shared.lock();
        match shared.handoff.push(job) {
            Push::Covered => return Ok(()),
            Push::NotifyOne => {
                self.inner.condvar.notify_one();
                return Ok(());
            }
            Push::Shutdown(job) => {
                drop(shared);
                job.cancel();
                return Ok(());
            }
            Push::SpawnThread => {}
        }
        if shared.num_blocking >= self.inner.config.max_blocking {
            // Saturated: the job waits for a thread to free up.
            return Ok(());
        }
        let id = shared.next_thread_id;
        shared.next_thread_id += 1;
        let inner = self.inner.clone();
        let rt = rt.clone();
        match self.builder().spawn(move || inner.run_blocking(id, rt)) {
            Ok(handle) => {
                shared.num_blocking += 1;
                shared.threads.insert(id, handle);
                Ok(())
            }
            Err(e) if shared.num_blocking > 0 => {
                // Others will get to the job; do not fail the caller.
                drop(e);
                Ok(())
            }
            Err(e) => {
                if let Some(job) = shared.handoff.unpush() {
                    drop(shared);
                    job.cancel();
                }
                Err(e)
            }
        }
    }

    fn builder(&self) -> thread::Builder {
        let mut builder = thread::Builder::new().name((self.inner.config.name)());
        if let Some(size) = self.inner.config.stack_size {
            builder = builder.stack_size(size);
        }
        builder
    }

    /// Starts a dedicated runtime thread (a scheduler worker) that counts toward shutdown.
    pub(crate) fn spawn_dedicated(
        &self,
        rt: &Handle,
        run: impl FnOnce() + Send + 'static,
    ) -> io::Result<()> {
        let mut shared = self.inner.shared.lock();
        let id = shared.next_thread_id;
        shared.next_thread_id += 1;
        let inner = self.inner.clone();
        let rt = rt.clone();
        let handle = self.builder().spawn(move || {
            let _exit = inner.thread_enter(&rt);
            run();
            drop(_exit);
            let mut shared = inner.shared.lock();
            shared.num_dedicated -= 1;
            inner.exited.notify_all();
        })?;
        shared.num_dedicated += 1;
        shared.threads.insert(id, handle);
        Ok(())
    }

    /// Stops the pool: idle threads exit, queued non-mandatory jobs are cancelled, and this
    /// waits up to `timeout` (`None`: forever) for running ones. Returns whether every
    /// thread exited in time.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        let mut shared = self.inner.shared.lock();
        if shared.handoff.shut_down() {
            self.inner.condvar.notify_all();
        }
        let me = usize::from(CURRENT_POOL.try_with(|c| c.get()).unwrap_or(0) == self.pool_id());
        // A timeout too far out to name an instant (`Duration::MAX`) means "wait forever".
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        while shared.num_blocking + shared.num_dedicated > me {
            match deadline {
                None => self.inner.exited.wait(&mut shared),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    self.inner.exited.wait_for(&mut shared, deadline - now);
                }
            }
        }
        let threads: Vec<_> = shared.threads.drain().collect();
        drop(shared);
        if me == 0 {
            for (_, handle) in threads {
                // Every thread has finished its work; joining just reaps it.
                let _ = handle.join();
            }
        }
        true
    }

    pub(crate) fn num_threads(&self) -> usize {
        self.inner.shared.lock().num_blocking
    }

    pub(crate) fn num_idle_threads(&self) -> usize {
        self.inner.shared.lock().handoff.num_idle()
    }

    pub(crate) fn queue_depth(&self) -> usize {
        self.inner.shared.lock().handoff.len()
    }
}

/// Runs the thread-start hooks on entry and the thread-stop hook on exit.
struct ThreadExit {
    before_stop: Option<Callback>,
    _context: crate::context::SetCurrentGuard,
}

impl Drop for ThreadExit {
    fn drop(&mut self) {
        if let Some(f) = &self.before_stop {
            // A panicking hook is reported by the panic hook; it must not skip the thread's
            // exit bookkeeping, or shutdown would wait for this thread forever.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f()));
        }
    }
}

impl Inner {
    fn thread_enter(self: &Arc<Self>, rt: &Handle) -> ThreadExit {
        CURRENT_POOL.with(|c| c.set(Arc::as_ptr(self) as usize));
        let context = crate::context::set_current(rt);
        if let Some(f) = &self.config.after_start {
            // A panicking `on_thread_start` is reported by the panic hook, and the thread
            // still does its job: a worker that died here would strand spawned tasks and
            // leave shutdown waiting for a thread that never checks out.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f()));
        }
        ThreadExit {
            before_stop: self.config.before_stop.clone(),
            _context: context,
        }
    }

    fn run_blocking(self: Arc<Self>, id: usize, rt: Handle) {
        let exit = self.thread_enter(&rt);
        drop(rt);
        let mut shared = self.shared.lock();
        'main: loop {
            while let Some(job) = shared.handoff.pop() {
                drop(shared);
                job.run();
                shared = self.shared.lock();
            }
            shared.handoff.begin_idle();
            while shared.handoff.may_wait() {
                let started = Instant::now();
                self.condvar.wait_for(&mut shared, self.config.keep_alive);
                match shared
                    .handoff
                    .woken(started.elapsed() >= self.config.keep_alive)
                {
                    Woken::Work => continue 'main,
                    Woken::Shutdown => break,
                    Woken::Exit => {
                        if let Some(handle) = shared.threads.remove(&id) {
                            drop(handle); // detach: a thread cannot join itself
                        }
                        break 'main;
                    }
                    Woken::Wait => {}
                }
            }
            // Shutdown: run mandatory jobs, cancel the rest.
            shared.handoff.end_idle();
            while let Some(job) = shared.handoff.pop() {
                drop(shared);
                job.shutdown_or_run_if_mandatory();
                shared = self.shared.lock();
            }
            break;
        }
        shared.num_blocking -= 1;
        self.exited.notify_all();
        drop(shared);
        drop(exit);
    }
}

impl Job {
    fn run(self) {
        match self {
            Job::Task { task, .. } => task.run(),
        }
    }

    fn cancel(self) {
        match self {
            Job::Task { task, .. } => task.shutdown(),
        }
    }

    fn shutdown_or_run_if_mandatory(self) {
        match self {
            Job::Task {
                task,
                mandatory: true,
            } => task.run(),
            job => job.cancel(),
        }
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingPool").finish_non_exhaustive()
    }
}
