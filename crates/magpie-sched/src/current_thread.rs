//! The current-thread scheduler: every task runs on the thread inside `block_on`.
//!
//! The scheduler's `Core` (its run queue and the driver) is held by whichever thread is in
//! `block_on`; other threads calling `block_on` at the same time wait for their own future
//! or for the core to come free. Wakes from the driving thread push straight onto the run
//! queue; wakes from elsewhere go through the injector and unpark the driver.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::pin;
use std::ptr;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::coop;
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use crate::loom::sync::Mutex;
use crate::park::{BoxPark, Unpark};
use crate::queue::inject::Injector;
use crate::runtime::{Common, Config};
use crate::task::list::OwnedTasks;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};

pub(crate) struct Handle {
    shared: Shared,
    pub(crate) common: Common,
}

struct Shared {
    inject: Injector<Arc<Handle>>,
    owned: OwnedTasks<Arc<Handle>>,
    core: Mutex<Option<Box<Core>>>,
    /// Threads in `block_on` waiting for the core.
    core_waiters: Mutex<Vec<Waker>>,
    unpark: Arc<dyn Unpark>,
    /// The `block_on` future was woken.
    woken: AtomicBool,
    config: Config,
    polls: AtomicU64,
    parks: AtomicU64,
    park_unparks: AtomicU64,
    busy_ns: AtomicU64,
    local_depth: AtomicU64,
}

struct Core {
    tasks: VecDeque<Notified<Arc<Handle>>>,
    driver: Option<BoxPark>,
    tick: u32,
    polls: u64,
    parks: u64,
    /// Time spent driving the runtime outside parks; `busy_since` is when that last began.
    busy_ns: u64,
    busy_since: Instant,
    is_shutdown: bool,
}

pub(crate) fn create(driver: BoxPark, config: Config, common: Common) -> Arc<Handle> {
    let unpark: Arc<dyn Unpark> = driver.unpark();
    Arc::new(Handle {
        shared: Shared {
            inject: Injector::new(),
            owned: OwnedTasks::new(1),
            core: Mutex::new(Some(Box::new(Core {
                tasks: VecDeque::with_capacity(64),
                driver: Some(driver),
                tick: 0,
                polls: 0,
                parks: 0,
                busy_ns: 0,
                busy_since: Instant::now(),
                is_shutdown: false,
            }))),
            core_waiters: Mutex::new(Vec::new()),
            unpark,
            woken: AtomicBool::new(true),
            config,
            polls: AtomicU64::new(0),
            parks: AtomicU64::new(0),
            park_unparks: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
            local_depth: AtomicU64::new(0),
        },
        common,
    })
}

/// The driving thread's context, reachable from `schedule`.
struct Ctx {
    handle: Arc<Handle>,
    core: RefCell<Option<Box<Core>>>,
}

thread_local! {
    static CURRENT: Cell<*const Ctx> = const { Cell::new(ptr::null()) };
}

impl Handle {
    pub(crate) fn spawn<F>(
        me: &Arc<Handle>,
        future: F,
        id: Id,
        at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = me.shared.owned.bind(future, me.clone(), id, at);
        if let Some(notified) = notified {
            me.schedule(notified);
        }
        join
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.shared.owned.len()
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.shared.inject.len()
    }

    pub(crate) fn poll_count(&self) -> u64 {
        self.shared.polls.load(Relaxed)
    }

    pub(crate) fn park_count(&self) -> u64 {
        self.shared.parks.load(Relaxed)
    }

    pub(crate) fn park_unpark_count(&self) -> u64 {
        self.shared.park_unparks.load(Relaxed)
    }

    pub(crate) fn busy_ns(&self) -> u64 {
        self.shared.busy_ns.load(Relaxed)
    }

    pub(crate) fn local_queue_depth(&self) -> usize {
        self.shared.local_depth.load(Relaxed) as usize
    }

    fn take_core(&self) -> Option<Box<Core>> {
        self.shared.core.lock().take()
    }

    fn return_core(&self, core: Box<Core>) {
        *self.shared.core.lock() = Some(core);
        let waiters = std::mem::take(&mut *self.shared.core_waiters.lock());
        waiters.into_iter().for_each(Waker::wake);
    }
}

impl Schedule for Arc<Handle> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.shared.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        let cx = CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null());
        if !cx.is_null() {
            // SAFETY: set only while `CoreGuard::enter` keeps the context alive on this
            // thread's stack.
            let cx = unsafe { &*cx };
            if Arc::ptr_eq(&cx.handle, self) {
                if let Ok(mut core) = cx.core.try_borrow_mut() {
                    if let Some(core) = core.as_mut() {
                        core.tasks.push_back(task);
                        return;
                    }
                }
            }
        }
        self.shared.inject.push(task);
        self.shared.unpark.unpark();
    }
}

struct MainWaker {
    handle: Arc<Handle>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.handle.shared.woken.store(true, Release);
        self.handle.shared.unpark.unpark();
    }
}

/// Runs `future` to completion, driving the scheduler whenever the core is free.
pub(crate) fn block_on<F: Future>(handle: &Arc<Handle>, future: F, owner: bool) -> F::Output {
    let mut future = pin!(future);
    loop {
        if let Some(core) = handle.take_core() {
            let cx = Ctx {
                handle: handle.clone(),
                core: RefCell::new(None),
            };
            let prev = CURRENT.try_with(|c| c.replace(&cx)).unwrap_or(ptr::null());
            struct Reset<'a>(*const Ctx, &'a Ctx, Option<Option<usize>>);
            impl Drop for Reset<'_> {
                fn drop(&mut self) {
                    let _ = CURRENT.try_with(|c| c.set(self.0));
                    if let Some(index) = self.2 {
                        crate::context::set_worker_index(index);
                    }
                    // Give the core back even if a task's poll panicked through us.
                    if let Some(core) = self.1.core.borrow_mut().take() {
                        self.1.handle.return_core(core);
                    }
                }
            }
            // The `Runtime::block_on` thread holding the scheduler is its worker 0.
            let index = owner.then(|| {
                let prev = crate::context::worker_index();
                crate::context::set_worker_index(Some(0));
                prev
            });
            let _reset = Reset(prev, &cx, index);
            *cx.core.borrow_mut() = Some(core);
            let out = coop::with_defer(|| cx.run(future.as_mut()));
            match out {
                Some(out) => return out,
                None => panic!("a spawned task panicked and the runtime is configured to shut down on unhandled panic"),
            }
        }
        // Another thread drives the scheduler: wait for our future or for the core.
        let handle2 = handle.clone();
        let done = super::runtime::block_on_thread(std::future::poll_fn(|cx| {
            if let Poll::Ready(out) = future.as_mut().poll(cx) {
                return Poll::Ready(Some(out));
            }
            let mut waiters = handle2.shared.core_waiters.lock();
            if handle2.shared.core.lock().is_some() {
                return Poll::Ready(None);
            }
            waiters.push(cx.waker().clone());
            Poll::Pending
        }));
        if let Some(out) = done {
            return out;
        }
    }
}

impl Core {
    /// Adds the time since `busy_since` to the busy total and publishes it.
    fn end_busy(&mut self, shared: &Shared) {
        self.busy_ns += self.busy_since.elapsed().as_nanos() as u64;
        self.busy_since = Instant::now();
        shared.busy_ns.store(self.busy_ns, Relaxed);
    }
}

impl Ctx {
    fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        let mut core = self.core.borrow_mut();
        f(core.as_mut().expect("current-thread core missing"))
    }

    /// Drives the runtime until `future` completes; the time counts as busy (outside
    /// parks).
    fn run<F: Future>(&self, future: std::pin::Pin<&mut F>) -> Option<F::Output> {
        self.with_core(|core| core.busy_since = Instant::now());
        let out = self.run_until(future);
        self.with_core(|core| core.end_busy(&self.handle.shared));
        out
    }

    fn run_until<F: Future>(&self, mut future: std::pin::Pin<&mut F>) -> Option<F::Output> {
        let handle = &self.handle;
        let waker = Waker::from(Arc::new(MainWaker {
            handle: handle.clone(),
        }));
        let mut cx = Context::from_waker(&waker);
        // Each block_on polls its future at least once, whatever the last one left here.
        handle.shared.woken.store(true, Release);
        let event_interval = handle.shared.config.event_interval;
        let gqi = handle.shared.config.global_queue_interval.unwrap_or(31);
        loop {
            if handle.shared.woken.swap(false, AcqRel) {
                if let Poll::Ready(out) = coop::budget(|| future.as_mut().poll(&mut cx)) {
                    return Some(out);
                }
            }
            let mut ran = 0;
            while ran < event_interval {
                if self.with_core(|c| c.is_shutdown) {
                    return None;
                }
                let task = self.with_core(|core| {
                    core.tick = core.tick.wrapping_add(1);
                    if core.tick % gqi == 0 {
                        handle
                            .shared
                            .inject
                            .pop()
                            .or_else(|| core.tasks.pop_front())
                    } else {
                        core.tasks
                            .pop_front()
                            .or_else(|| handle.shared.inject.pop())
                    }
                });
                let Some(task) = task else { break };
                self.with_core(|core| {
                    core.polls += 1;
                    handle.shared.polls.store(core.polls, Relaxed);
                });
                // Tasks that yield wait in the defer list until the queue runs dry, so
                // injected tasks are not starved by a queue that never empties.
                coop::budget(|| task.run());
                ran += 1;
                if handle.shared.woken.load(Acquire) {
                    break;
                }
            }
            // The main future's own yields were deferred too: release them now.
            let deferred = coop::wake_deferred();
            let idle = ran == 0 && !deferred && !handle.shared.woken.load(Acquire);
            self.park(idle);
        }
    }

    /// Parks on the driver: until woken if `idle`, else just polls its events.
    fn park(&self, idle: bool) {
        let handle = &self.handle;
        let mut driver = self.with_core(|core| {
            handle
                .shared
                .local_depth
                .store(core.tasks.len() as u64, Relaxed);
            core.driver.take().expect("current-thread driver missing")
        });
        let nothing_queued = || {
            self.with_core(|c| c.tasks.is_empty())
                && handle.shared.inject.is_empty()
                && !handle.shared.woken.load(Acquire)
                && coop::defer_is_empty()
        };
        let hooks = idle && nothing_queued();
        if hooks {
            if let Some(f) = &handle.common.on_park {
                f();
            }
        }
        // The park hook may have spawned a task or woken the main future: sleeping now
        // would strand that work until some unrelated event.
        if hooks && nothing_queued() {
            self.with_core(|core| {
                core.parks += 1;
                handle.shared.parks.store(core.parks, Relaxed);
                handle
                    .shared
                    .park_unparks
                    .store(2 * core.parks - 1, Relaxed);
                core.end_busy(&handle.shared);
            });
            driver.park();
            self.with_core(|core| {
                core.busy_since = Instant::now();
                handle.shared.park_unparks.store(2 * core.parks, Relaxed);
            });
        } else {
            driver.park_timeout(Duration::ZERO);
        }
        // Wake-ups the hook deferred (a `yield_now` polled inside it).
        coop::wake_deferred();
        if hooks {
            if let Some(f) = &handle.common.on_unpark {
                f();
            }
        }
        self.with_core(|core| core.driver = Some(driver));
    }
}

/// Shuts the scheduler down: cancels every task (on this thread, in the runtime's context),
/// drops queued notifications, stops the driver.
pub(crate) fn shutdown(handle: &Arc<Handle>) {
    let rt = crate::runtime::Handle {
        inner: crate::runtime::Scheduler::CurrentThread(handle.clone()),
    };
    let _cur = crate::context::set_current(&rt);
    // If another thread holds the core inside block_on, it finds the shutdown flag there
    // only through the injector being closed; wait for the core instead so tasks are
    // dropped here, exactly once.
    let core = loop {
        if let Some(core) = handle.take_core() {
            break core;
        }
        handle.shared.inject.close();
        handle.shared.unpark.unpark();
        std::thread::yield_now();
    };
    let mut core = core;
    handle.shared.owned.close_and_shutdown_all(0);
    while let Some(task) = core.tasks.pop_front() {
        drop(task);
    }
    handle.shared.inject.close();
    if let Some(mut driver) = core.driver.take() {
        driver.shutdown();
    }
    core.is_shutdown = true;
    handle.return_core(core);
}
