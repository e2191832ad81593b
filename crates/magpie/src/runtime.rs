//! The runtime: `Runtime`, its `Builder`, and `Handle`.
//!
//! The scheduler lives in `magpie-sched`; this module assembles the driver stack
//! (`Timer<Reactor>`, or a sub-stack when a driver is disabled) and the hooks that make the
//! drivers current on every runtime thread.

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Once;
use std::time::Duration;

use magpie_sched::park::{boxed, BoxPark, Parker};
use magpie_sched::runtime::{self as sched, DriverStack};

pub use magpie_sched::runtime::{
    EnterGuard, Handle, Id, RuntimeFlavor, RuntimeMetrics, TryCurrentError,
};

use crate::task::JoinHandle;

mod local_runtime;
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use magpie_reactor::is_rt_shutdown_err;

/// The index of the runtime worker running the current thread, if it is one: `0..n` on a
/// multi-thread runtime's workers, `Some(0)` on the thread inside a current-thread (or
/// local) runtime's `Runtime::block_on` while it drives the scheduler, `None` elsewhere
/// (blocking threads, the multi-thread `block_on` thread, `Handle::block_on`, outside any
/// runtime). It matches the worker indices of [`RuntimeMetrics`].
///
/// # Examples
///
/// ```
/// let rt = magpie::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .build()
///     .unwrap();
/// let index = rt.block_on(async { magpie::spawn(async { magpie::runtime::worker_index() }).await });
/// assert!(matches!(index.unwrap(), Some(0 | 1)));
/// assert_eq!(magpie::runtime::worker_index(), None);
/// ```
pub fn worker_index() -> Option<usize> {
    magpie_sched::context::worker_index()
}

/// Builds a runtime with custom settings: tokio's `runtime::Builder`.
///
/// # Examples
///
/// ```
/// let rt = magpie::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .enable_all()
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     magpie::time::sleep(std::time::Duration::from_millis(1)).await;
/// });
/// ```
pub struct Builder {
    inner: sched::Builder,
    multi_thread: bool,
    workers: Option<usize>,
    enable_io: bool,
    enable_time: bool,
    start_paused: bool,
}

impl Builder {
    /// A builder for the multi-thread, work-stealing runtime.
    pub fn new_multi_thread() -> Builder {
        Builder::wrap(sched::Builder::new_multi_thread(), true)
    }

    /// A builder for the current-thread runtime.
    pub fn new_current_thread() -> Builder {
        Builder::wrap(sched::Builder::new_current_thread(), false)
    }

    fn wrap(inner: sched::Builder, multi_thread: bool) -> Builder {
        Builder {
            inner,
            multi_thread,
            workers: None,
            enable_io: false,
            enable_time: false,
            start_paused: false,
        }
    }

    /// Enables both the I/O and the time driver.
    pub fn enable_all(&mut self) -> &mut Self {
        self.enable_io = true;
        self.enable_time = true;
        self
    }

    /// Enables the I/O driver (sockets, `AsyncFd`).
    pub fn enable_io(&mut self) -> &mut Self {
        self.enable_io = true;
        self
    }

    /// Enables the time driver (`sleep`, `timeout`, `interval`).
    pub fn enable_time(&mut self) -> &mut Self {
        self.enable_time = true;
        self
    }

    /// Starts the clock paused (current-thread runtime only): time auto-advances to the
    /// next timer whenever the runtime has nothing else to do.
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Self {
        self.start_paused = start_paused;
        self
    }

    /// See [`magpie_sched::runtime::Builder::worker_threads`].
    #[track_caller]
    pub fn worker_threads(&mut self, val: usize) -> &mut Self {
        self.inner.worker_threads(val);
        self.workers = Some(val);
        self
    }

    /// Caps the blocking pool's threads (default 512).
    #[track_caller]
    pub fn max_blocking_threads(&mut self, val: usize) -> &mut Self {
        self.inner.max_blocking_threads(val);
        self
    }

    /// Names the runtime: [`Handle::name`] returns it.
    ///
    /// # Panics
    ///
    /// Panics if `val` is empty or only whitespace ("runtime name shouldn't be empty").
    #[track_caller]
    pub fn name(&mut self, val: impl Into<String>) -> &mut Self {
        self.inner.name(val);
        self
    }

    /// The most I/O events the driver handles per poll (tokio's default: 1024).
    ///
    /// Magpie's reactor drains its poller through a fixed buffer of 1024 events per poll
    /// today; the value is validated (as tokio does) but does not resize that buffer yet.
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is 0.
    #[track_caller]
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_tick must be non-zero");
        self
    }

    /// The most I/O events handled per poll while the runtime has other work queued
    /// (tokio's knob for busy ticks); validated as tokio does, and, like
    /// [`max_io_events_per_tick`](Self::max_io_events_per_tick), not applied to the
    /// reactor's buffer yet.
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is 0.
    #[track_caller]
    pub fn max_io_events_per_busy_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_busy_tick must be non-zero");
        self
    }

    /// Names every thread the runtime starts.
    pub fn thread_name(&mut self, val: impl Into<String>) -> &mut Self {
        self.inner.thread_name(val);
        self
    }

    /// Names each thread the runtime starts with the function's result.
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.inner.thread_name_fn(f);
        self
    }

    /// Sets the stack size of the runtime's threads.
    pub fn thread_stack_size(&mut self, val: usize) -> &mut Self {
        self.inner.thread_stack_size(val);
        self
    }

    /// Runs `f` on each runtime thread when it starts.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.inner.on_thread_start(f);
        self
    }

    /// Runs `f` on each runtime thread before it stops.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.inner.on_thread_stop(f);
        self
    }

    /// Runs `f` just before a worker parks.
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.inner.on_thread_park(f);
        self
    }

    /// Runs `f` just after a worker unparks.
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.inner.on_thread_unpark(f);
        self
    }

    /// How long an idle blocking thread lives (default 10 s).
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.inner.thread_keep_alive(duration);
        self
    }

    /// Fixes the global queue interval (self-tuned by default).
    #[track_caller]
    pub fn global_queue_interval(&mut self, val: u32) -> &mut Self {
        self.inner.global_queue_interval(val);
        self
    }

    /// Ticks between polls of the drivers for events (61 multi-thread, 31 current-thread).
    #[track_caller]
    pub fn event_interval(&mut self, val: u32) -> &mut Self {
        self.inner.event_interval(val);
        self
    }

    /// Turns off the LIFO slot optimisation.
    pub fn disable_lifo_slot(&mut self) -> &mut Self {
        self.inner.disable_lifo_slot();
        self
    }

    /// Creates the runtime.
    ///
    /// # Panics
    ///
    /// Panics if `start_paused(true)` is set on a multi-thread runtime or without
    /// `enable_time`, as tokio does.
    #[track_caller]
    pub fn build(&mut self) -> io::Result<Runtime> {
        if self.start_paused {
            assert!(
                !self.multi_thread,
                "`start_paused` requires the `current_thread` runtime flavor"
            );
            assert!(
                self.enable_time,
                "`start_paused` requires the time driver: call `enable_time` or `enable_all` on the runtime builder"
            );
        }
        install_hooks();
        let (enable_io, enable_time, start_paused) =
            (self.enable_io, self.enable_time, self.start_paused);
        let pausable = !self.multi_thread;
        let shards = self
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        self.inner.driver(move || {
            let (park, reactor): (BoxPark, _) = if enable_io {
                let reactor = magpie_reactor::Reactor::new()?;
                let handle = reactor.handle();
                (boxed(reactor), Some(handle))
            } else {
                (boxed(Parker::new()), None)
            };
            let (park, timer) = if enable_time {
                let timer = magpie_timer::Builder::new()
                    .shards(shards)
                    .pausable(pausable)
                    .start_paused(start_paused)
                    .build(park);
                // One handle per wheel shard (one per worker), so sleeps created on
                // different workers count references on different cache lines.
                let handles = timer.handle().per_worker(shards);
                (boxed(timer), Some(handles))
            } else {
                (park, None)
            };
            // The drivers find their handles through the runtime, so entering it sets one
            // thread-local only (see `magpie_sched::runtime::with_current_driver`).
            let mut drivers = sched::DriverHandles::new();
            if let Some(reactor) = reactor {
                drivers.insert(reactor);
            }
            if let Some(timer) = timer {
                drivers.insert(timer);
            }
            Ok(DriverStack {
                park,
                enter: None,
                drivers,
            })
        });
        Ok(Runtime {
            inner: self.inner.build()?,
        })
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("scheduler", &self.inner)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("start_paused", &self.start_paused)
            .finish()
    }
}

/// Installs, once per process, the hooks that connect runtime-agnostic `magpie-sync` to
/// this runtime: the coop budget, the timer for `send_timeout`, and the check that makes
/// `blocking_*` calls panic on runtime threads.
fn install_hooks() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        magpie_sync::hooks::set_coop_hooks(magpie_sync::hooks::CoopHooks {
            poll_proceed: magpie_sched::coop::check,
            made_progress: magpie_sched::coop::spend,
        });
        magpie_sync::hooks::set_sleep_hook(|d| Box::pin(magpie_timer::sleep(d)));
        magpie_sync::hooks::set_runtime_check(magpie_sched::context::is_runtime_entered);
    });
}

/// The Magpie runtime: worker threads (or the calling thread), the blocking pool, the
/// reactor and the timer.
///
/// Dropping it shuts everything down: every task's future is dropped and every
/// `JoinHandle` resolves to a cancelled error.
///
/// # Examples
///
/// ```
/// let rt = magpie::runtime::Runtime::new().unwrap();
/// let out = rt.block_on(async { magpie::spawn(async { 6 * 7 }).await.unwrap() });
/// assert_eq!(out, 42);
/// ```
pub struct Runtime {
    inner: sched::Runtime,
}

impl Runtime {
    /// A multi-thread runtime with every driver enabled (`Builder::new_multi_thread()
    /// .enable_all().build()`).
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    /// A handle to this runtime.
    pub fn handle(&self) -> &Handle {
        self.inner.handle()
    }

    /// Spawns a future onto the runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let _enter = self.inner.enter();
        crate::task::spawn_blocking(func)
    }

    /// Runs `future` to completion on this thread: the runtime's entry point.
    ///
    /// # Panics
    ///
    /// Panics if called from inside a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner.block_on(future)
    }

    /// Makes the runtime current on this thread until the guard drops.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.inner.enter()
    }

    /// The runtime's metrics.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.inner.metrics()
    }

    /// Shuts down, waiting at most `duration` for blocking work and worker threads.
    pub fn shutdown_timeout(self, duration: Duration) {
        self.inner.shutdown_timeout(duration)
    }

    /// Shuts down without waiting (usable from async code).
    pub fn shutdown_background(self) {
        self.inner.shutdown_background()
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
