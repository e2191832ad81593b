//! `Builder`: a runtime's configuration, with tokio's option names and defaults.

use std::any::Any;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{DriverHandles, Handle, Runtime, Scheduler};
use crate::blocking::{Spawner, ThreadConfig};
use crate::park::{boxed, BoxPark, Parker};

type Callback = Arc<dyn Fn() + Send + Sync>;

/// Called whenever a thread enters the runtime's context (worker and blocking threads at
/// start, `block_on`, `Handle::enter`); the returned guard is dropped when it leaves. Drivers
/// use it to make their own handles current.
pub type EnterHook = Arc<dyn Fn() -> Box<dyn Any> + Send + Sync>;

/// The driver stack a runtime parks on, as a facade assembles it.
pub struct DriverStack {
    /// The stack itself (e.g. `Timer<Reactor>`), type-erased.
    pub park: BoxPark,
    /// Makes the drivers' handles current on a thread.
    pub enter: Option<EnterHook>,
    /// The drivers' handles, which they find again through the thread's current runtime
    /// ([`with_current_driver`](super::with_current_driver)).
    pub drivers: DriverHandles,
}

impl fmt::Debug for DriverStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverStack").finish_non_exhaustive()
    }
}

// `Sync` too, so that `Builder` is `Sync` as tokio's is.
type DriverFactory = Box<dyn FnOnce() -> io::Result<DriverStack> + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    MultiThread,
    CurrentThread,
}

/// Builds a runtime with custom settings.
///
/// # Examples
///
/// ```
/// use magpie_sched::runtime::Builder;
///
/// let rt = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    kind: Kind,
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    name: Option<String>,
    thread_stack_size: Option<usize>,
    after_start: Option<Callback>,
    before_stop: Option<Callback>,
    before_park: Option<Callback>,
    after_unpark: Option<Callback>,
    keep_alive: Option<Duration>,
    global_queue_interval: Option<u32>,
    event_interval: u32,
    disable_lifo_slot: bool,
    driver: Option<DriverFactory>,
}

/// Scheduler settings both flavors read.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) global_queue_interval: Option<u32>,
    pub(crate) event_interval: u32,
    pub(crate) disable_lifo_slot: bool,
}

/// What every scheduler handle carries besides its queues.
pub(crate) struct Common {
    pub(crate) blocking: Spawner,
    pub(crate) enter_hook: Option<EnterHook>,
    pub(crate) drivers: DriverHandles,
    pub(crate) on_park: Option<Callback>,
    pub(crate) on_unpark: Option<Callback>,
    pub(crate) id: super::Id,
    pub(crate) name: Option<String>,
    /// The `LocalSet` of a `LocalRuntime` built on this runtime, for `spawn_local` from its
    /// context (see `LocalSet::bind_to_runtime`).
    pub(crate) local: crate::loom::sync::Mutex<Option<crate::local::LocalBinding>>,
}

impl Builder {
    /// A builder for the multi-thread, work-stealing runtime.
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread, 61)
    }

    /// A builder for the current-thread runtime: every task runs on the thread that calls
    /// `block_on`.
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread, 31)
    }

    fn new(kind: Kind, event_interval: u32) -> Builder {
        Builder {
            kind,
            worker_threads: None,
            max_blocking_threads: 512,
            thread_name: Arc::new(|| "magpie-runtime-worker".into()),
            name: None,
            thread_stack_size: None,
            after_start: None,
            before_stop: None,
            before_park: None,
            after_unpark: None,
            keep_alive: None,
            global_queue_interval: None,
            event_interval,
            disable_lifo_slot: false,
            driver: None,
        }
    }

    /// Sets the number of worker threads (multi-thread runtime only). Defaults to the
    /// `MAGPIE_WORKER_THREADS` environment variable, else the number of CPUs.
    ///
    /// # Panics
    ///
    /// Panics if `val` is 0.
    #[track_caller]
    pub fn worker_threads(&mut self, val: usize) -> &mut Self {
        assert!(val > 0, "Worker threads cannot be set to 0");
        self.worker_threads = Some(val);
        self
    }

    /// Caps the blocking pool's threads (default 512).
    ///
    /// # Panics
    ///
    /// Panics if `val` is 0.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, val: usize) -> &mut Self {
        assert!(val > 0, "Max blocking threads cannot be set to 0");
        self.max_blocking_threads = val;
        self
    }

    /// Names the runtime itself (see [`Handle::name`]); threads keep their own names.
    ///
    /// # Panics
    ///
    /// Panics if `val` is empty or only whitespace, as tokio does.
    #[track_caller]
    pub fn name(&mut self, val: impl Into<String>) -> &mut Self {
        let val = val.into();
        assert!(!val.trim().is_empty(), "runtime name shouldn't be empty");
        self.name = Some(val);
        self
    }

    /// Names every thread the runtime starts.
    pub fn thread_name(&mut self, val: impl Into<String>) -> &mut Self {
        let val = val.into();
        self.thread_name = Arc::new(move || val.clone());
        self
    }

    /// Names each thread the runtime starts with the function's result.
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Arc::new(f);
        self
    }

    /// Sets the stack size, in bytes, of the runtime's threads.
    pub fn thread_stack_size(&mut self, val: usize) -> &mut Self {
        self.thread_stack_size = Some(val);
        self
    }

    /// Runs `f` on each runtime thread when it starts.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.after_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each runtime thread before it stops.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.before_stop = Some(Arc::new(f));
        self
    }

    /// Runs `f` just before a worker goes to sleep for lack of work.
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.before_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` just after a worker wakes up.
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.after_unpark = Some(Arc::new(f));
        self
    }

    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.keep_alive = Some(duration);
        self
    }

    /// Fixes how many ticks pass between looks at the global queue. By default it is tuned
    /// at run time from the average poll time (2..=127).
    ///
    /// # Panics
    ///
    /// Panics if `val` is 0.
    #[track_caller]
    pub fn global_queue_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = Some(val);
        self
    }

    /// How many ticks pass between polls of the driver for new events (default 61 on the
    /// multi-thread runtime, 31 on the current-thread one).
    ///
    /// # Panics
    ///
    /// Panics if `val` is 0.
    #[track_caller]
    pub fn event_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "event_interval must be greater than 0");
        self.event_interval = val;
        self
    }

    /// Turns off the LIFO slot optimisation (woken tasks always go to the back).
    pub fn disable_lifo_slot(&mut self) -> &mut Self {
        self.disable_lifo_slot = true;
        self
    }

    /// Sets the driver stack the runtime parks on (the facade passes timer and reactor).
    /// Without one the runtime parks on a plain condition variable.
    pub fn driver<F>(&mut self, factory: F) -> &mut Self
    where
        F: FnOnce() -> io::Result<DriverStack> + Send + Sync + 'static,
    {
        self.driver = Some(Box::new(factory));
        self
    }

    /// Returns `true` for a multi-thread builder.
    pub fn is_multi_thread(&self) -> bool {
        self.kind == Kind::MultiThread
    }

    /// Creates the runtime.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let DriverStack {
            park,
            enter,
            drivers,
        } = match self.driver.take() {
            Some(factory) => factory()?,
            None => DriverStack {
                park: boxed(Parker::new()),
                enter: None,
                drivers: DriverHandles::new(),
            },
        };
        static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
        let common = Common {
            blocking: Spawner::new(ThreadConfig {
                name: self.thread_name.clone(),
                stack_size: self.thread_stack_size,
                after_start: self.after_start.clone(),
                before_stop: self.before_stop.clone(),
                max_blocking: self.max_blocking_threads,
                keep_alive: self.keep_alive.unwrap_or(Duration::from_secs(10)),
            }),
            enter_hook: enter,
            drivers,
            on_park: self.before_park.clone(),
            on_unpark: self.after_unpark.clone(),
            // Starts at 1 and would take centuries to wrap: never zero.
            id: super::Id::new(
                std::num::NonZeroU64::new(NEXT_ID.fetch_add(1, Ordering::Relaxed) as u64)
                    .expect("runtime ids start at 1"),
            ),
            name: self.name.clone(),
            local: crate::loom::sync::Mutex::new(None),
        };
        let config = Config {
            global_queue_interval: self.global_queue_interval,
            event_interval: self.event_interval,
            disable_lifo_slot: self.disable_lifo_slot,
        };
        match self.kind {
            Kind::CurrentThread => {
                let handle = crate::current_thread::create(park, config, common);
                Ok(Runtime::new(Handle {
                    inner: Scheduler::CurrentThread(handle),
                }))
            }
            Kind::MultiThread => {
                let workers = self.worker_threads.unwrap_or_else(default_workers);
                let (handle, launch) = crate::multi_thread::create(workers, park, config, common);
                let rt = Handle {
                    inner: Scheduler::MultiThread(handle.clone()),
                };
                if let Err(e) = launch.launch(&rt, &handle) {
                    handle.shutdown();
                    rt.common().blocking.shutdown(None);
                    return Err(e);
                }
                Ok(Runtime::new(rt))
            }
        }
    }
}

fn default_workers() -> usize {
    if let Ok(s) = std::env::var("MAGPIE_WORKER_THREADS") {
        match s.trim().parse::<usize>() {
            Ok(n) if n > 0 => return n,
            _ => panic!("\"MAGPIE_WORKER_THREADS\" must be a positive integer, got {s:?}"),
        }
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_stack_size", &self.thread_stack_size)
            .field("global_queue_interval", &self.global_queue_interval)
            .field("event_interval", &self.event_interval)
            .finish_non_exhaustive()
    }
}
