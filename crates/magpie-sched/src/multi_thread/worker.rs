//! A worker thread's loop: run local work, steal, poll the driver now and then, park.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;

use super::handle::{Handle, Remote, Shared};
use super::idle::Idle;
use super::parker::{Parker, SharedDriver};
use crate::coop;
use crate::loom::sync::atomic::{AtomicU64, Ordering::Relaxed};
use crate::loom::sync::Mutex;
use crate::park::BoxPark;
use crate::queue::inject::Injector;
use crate::queue::lifo::LifoSlot;
use crate::queue::local::{self, Local, CAPACITY};
use crate::rand::FastRand;
use crate::runtime::{Common, Config, WorkerMetrics};
use crate::task::list::OwnedTasks;
use crate::task::Notified;

/// LIFO polls in a row before the slot is bypassed, so two tasks waking each other cannot
/// starve the rest of the queue (tokio uses the same cap).
const MAX_LIFO_POLLS: u32 = 3;

/// How long an idle worker that saw a task in a busy worker's LIFO slot waits before it
/// checks whether that task is stranded behind a long poll.
const STRANDED_LIFO_RECHECK: Duration = Duration::from_micros(200);

/// While other workers are busy, the worker parked on the driver wakes this often to look
/// for a task stranded in a busy worker's LIFO slot: a LIFO push wakes nobody (that would
/// cost a syscall per message), so without this watch every idle worker could sleep while
/// a task waits out another task's long poll (tokio#4941). Only the driver's holder
/// watches, so an idle runtime or idle condvar sleepers cost nothing.
const STRANDED_LIFO_WATCH: Duration = Duration::from_millis(1);

/// The poll time the self-tuning global queue interval aims at between two looks at the
/// injector (as tokio's).
const TARGET_GLOBAL_QUEUE_LATENCY: Duration = Duration::from_micros(200);
const EWMA_ALPHA: f64 = 0.1;

/// Aligned to two cache lines (the adjacent-line prefetcher pulls pairs) so no allocation
/// another thread writes shares a line with the fields this worker updates on every poll.
#[repr(align(128))]
pub(crate) struct Core {
    index: usize,
    /// Loop iterations left until the next maintenance (countdowns, not a tick modulo: a
    /// division per task shows in profiles).
    until_maintenance: u32,
    /// Looks at the local queues left until the injector is checked first.
    until_global_check: u32,
    run_queue: Local<Arc<Handle>>,
    lifo_enabled: bool,
    is_searching: bool,
    is_shutdown: bool,
    park: Option<Parker>,
    rand: FastRand,
    global_queue_interval: u32,
    /// The steal loop's view of other workers' poll counters, to spot stranded LIFO tasks.
    lifo_seen: Box<[u64]>,
    saw_occupied_lifo: bool,
    /// Other workers' poll counters when this worker, with yielded tasks left, last ran
    /// dry: see [`Core::steal_stranded`].
    polls_seen: Box<[u64]>,
    /// Self-tuning: EWMA of the poll time in nanoseconds, and the current batch.
    avg_poll_ns: f64,
    batch_start: Instant,
    batch_polls: u64,
    /// Tasks that yielded ([`crate::yield_now`], or a spent budget) during their poll on
    /// this core: they run once the queues are empty, like deferred wake-ups, and are then
    /// moved into the run queue in one batch.
    yielded: Vec<Notified<Arc<Handle>>>,
    /// Counters published to the shared metrics at maintenance.
    polls: u64,
    steals: u64,
    parks: u64,
    /// Time spent not parked, up to the last park; `busy_since` is when the worker last
    /// woke (or started).
    busy_ns: u64,
    busy_since: Instant,
    /// Inside `park`, between deciding to sleep and waking for good.
    parked: bool,
}

/// The worker cores waiting for their threads.
#[allow(clippy::vec_box)] // cores move between threads by pointer, never by value
pub(crate) struct Launch(Vec<Box<Core>>);

pub(crate) fn create(
    size: usize,
    driver: BoxPark,
    config: Config,
    common: Common,
) -> (Arc<Handle>, Launch) {
    let driver = Arc::new(SharedDriver::new(driver));
    let mut cores = Vec::with_capacity(size);
    let mut remotes = Vec::with_capacity(size);
    for index in 0..size {
        let (steal, run_queue) = local::local();
        let park = Parker::new(driver.clone());
        let unpark = park.unparker();
        cores.push(Box::new(Core {
            index,
            until_maintenance: config.event_interval,
            until_global_check: config.global_queue_interval.unwrap_or(31),
            run_queue,
            lifo_enabled: !config.disable_lifo_slot,
            is_searching: false,
            is_shutdown: false,
            park: Some(park),
            rand: FastRand::new(index as u64),
            global_queue_interval: config.global_queue_interval.unwrap_or(31),
            lifo_seen: vec![u64::MAX; size].into_boxed_slice(),
            saw_occupied_lifo: false,
            polls_seen: vec![u64::MAX; size].into_boxed_slice(),
            avg_poll_ns: 0.0,
            batch_start: Instant::now(),
            batch_polls: 0,
            yielded: Vec::new(),
            polls: 0,
            steals: 0,
            parks: 0,
            busy_ns: 0,
            busy_since: Instant::now(),
            parked: false,
        }));
        remotes.push(CachePadded::new(Remote {
            steal,
            lifo: LifoSlot::new(),
            unpark,
            polls: AtomicU64::new(0),
            metrics: WorkerMetrics::default(),
        }));
    }
    let handle = Arc::new(Handle {
        shared: Shared {
            remotes: remotes.into_boxed_slice(),
            inject: Injector::new(),
            idle: CachePadded::new(Idle::new(size)),
            owned: OwnedTasks::new(size * 4),
            shutdown_cores: Mutex::new(Vec::with_capacity(size)),
            driver,
            config,
        },
        common,
    });
    (handle, Launch(cores))
}

impl Launch {
    /// Starts one thread per core.
    pub(crate) fn launch(
        self,
        rt: &crate::runtime::Handle,
        handle: &Arc<Handle>,
    ) -> std::io::Result<()> {
        for core in self.0 {
            let handle = handle.clone();
            rt.common()
                .blocking
                .spawn_dedicated(rt, move || run(handle, core))?;
        }
        Ok(())
    }
}

/// The scheduler's view of the worker thread, reachable from `schedule` through a
/// thread-local pointer while the worker runs.
struct Context {
    handle: Arc<Handle>,
    core: RefCell<Option<Box<Core>>>,
    /// A task is being polled: its wakes go to the LIFO slot.
    in_poll: Cell<bool>,
    /// The deferred wake-ups are being released, or the driver polled between tasks: one
    /// notification of a sleeping peer is enough for the whole batch, decided at its end.
    draining: Cell<bool>,
    /// A task was queued during the drain that would have notified a peer.
    notify_after_drain: Cell<bool>,
}

thread_local! {
    static CURRENT: Cell<*const Context> = const { Cell::new(ptr::null()) };
}

fn run(handle: Arc<Handle>, core: Box<Core>) {
    crate::context::set_worker_index(Some(core.index));
    let _enter = crate::context::enter_runtime();
    let cx = Context {
        handle,
        core: RefCell::new(None),
        in_poll: Cell::new(false),
        draining: Cell::new(false),
        notify_after_drain: Cell::new(false),
    };
    struct Reset(*const Context);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|c| c.set(self.0));
            crate::context::set_worker_index(None);
        }
    }
    let _reset = Reset(CURRENT.with(|c| c.replace(&cx)));
    coop::with_defer(|| cx.run(core));
}

/// Runs `f` with this thread's worker context and core if this thread is one of `handle`'s
/// workers and holds its core; otherwise hands `task` back (for the injector, or a wake).
#[inline]
fn with_local_core(
    handle: &Arc<Handle>,
    task: Notified<Arc<Handle>>,
    f: impl FnOnce(&Context, &mut Core, Notified<Arc<Handle>>),
) -> Result<(), Notified<Arc<Handle>>> {
    let cx = CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null());
    if cx.is_null() {
        return Err(task);
    }
    // SAFETY: the pointer is set only while `run` keeps the context alive on this thread's
    // stack, and reset before it returns.
    let cx = unsafe { &*cx };
    if !Arc::ptr_eq(&cx.handle, handle) {
        return Err(task);
    }
    let Ok(mut core) = cx.core.try_borrow_mut() else {
        return Err(task);
    };
    let Some(core) = core.as_mut() else {
        return Err(task);
    };
    f(cx, core, task);
    Ok(())
}

/// Schedules `task` on the current worker if this thread is one of `handle`'s workers and
/// holds its core; otherwise hands the task back for the injector.
pub(crate) fn schedule_local(
    handle: &Arc<Handle>,
    task: Notified<Arc<Handle>>,
    is_yield: bool,
) -> Result<(), Notified<Arc<Handle>>> {
    with_local_core(handle, task, |cx, core, task| {
        let shared = &handle.shared;
        let should_notify = if is_yield || !core.lifo_enabled || !cx.in_poll.get() {
            core.run_queue.push_back_or_overflow(task, &shared.inject);
            true
        } else {
            match shared.remotes[core.index].lifo.push(task) {
                Some(prev) => {
                    core.run_queue.push_back_or_overflow(prev, &shared.inject);
                    true
                }
                None => false,
            }
        };
        // While parked in the driver the worker runs these itself when it wakes.
        if should_notify && core.park.is_some() {
            if cx.draining.get() {
                cx.notify_after_drain.set(true);
            } else {
                handle.notify_parked();
            }
        }
    })
}

/// Parks a task that yielded during its poll on this worker in the core's list of yielded
/// tasks; hands it back if this thread is not one of `handle`'s workers holding its core.
#[inline]
pub(crate) fn defer_local(
    handle: &Arc<Handle>,
    task: Notified<Arc<Handle>>,
) -> Result<(), Notified<Arc<Handle>>> {
    with_local_core(handle, task, |_, core, task| core.yielded.push(task))
}

impl Context {
    fn run(&self, mut core: Box<Core>) {
        let handle = &self.handle;
        while !core.is_shutdown {
            core = self.maintenance(core);
            if core.is_shutdown {
                break;
            }
            if let Some(task) = core.next_task(handle) {
                match self.run_task(task, core) {
                    Some(c) => core = c,
                    None => return, // block_in_place gave the core to a new thread
                }
                continue;
            }
            // A worker with yielded tasks of its own is not idle: stealing now would move
            // a busy peer's tasks (and their cache lines) over on every yield round, as
            // both workers run dry at the same rhythm. It only rescues the queue of a peer
            // stuck in one poll.
            let stolen = if core.yielded.is_empty() {
                core.steal_work(handle)
            } else {
                core.steal_stranded(handle)
            };
            if let Some(task) = stolen {
                core.steals += 1;
                match self.run_task(task, core) {
                    Some(c) => core = c,
                    None => return,
                }
                continue;
            }
            if !core.yielded.is_empty() || !coop::defer_is_empty() {
                // Out of other work: now the tasks that yielded get their turn (after a look
                // at the driver), as in tokio. Releasing them earlier would keep the local
                // queue from ever emptying, starving the injector.
                *self.core.borrow_mut() = Some(core);
                self.draining.set(true);
                self.handle.shared.driver.poll_events();
                coop::wake_deferred();
                self.draining.set(false);
                core = self.core.borrow_mut().take().expect("worker core missing");
                let mut notify = self.notify_after_drain.replace(false);
                if !core.yielded.is_empty() {
                    let Core {
                        yielded, run_queue, ..
                    } = &mut *core;
                    run_queue.push_back_batch(yielded, &handle.shared.inject);
                    notify = true;
                }
                if notify {
                    handle.notify_parked();
                }
                continue;
            }
            core = self.park(core);
        }
        if core.parked {
            core = self.finish_unpark(core);
        }
        handle.shared.owned.close_and_shutdown_all(core.index);
        self.shutdown_core(core);
    }

    /// Polls `task` and then the LIFO slot's chain, then (while no maintenance or injector
    /// check is due) the next tasks of the local ring, without handing the core back and
    /// forth between iterations. Returns the core, or `None` if a task called
    /// `block_in_place`, which handed the core to a new worker thread.
    fn run_task(&self, mut task: Notified<Arc<Handle>>, mut core: Box<Core>) -> Option<Box<Core>> {
        let handle = &self.handle;
        if core.parked {
            // A look at busy peers after a park found this task: the park ends here.
            core = self.finish_unpark(core);
        }
        core.transition_from_searching(handle);
        let remote = &handle.shared.remotes[core.index];
        let lifo_enabled = !handle.shared.config.disable_lifo_slot;
        core.lifo_enabled = lifo_enabled;
        core.polls += 1;
        core.batch_polls += 1;
        remote.polls.store(core.polls, Relaxed);
        *self.core.borrow_mut() = Some(core);
        self.in_poll.set(true);
        coop::budget(|| loop {
            task.run();
            let mut lifo_polls = 0;
            loop {
                let mut guard = self.core.borrow_mut();
                // The core is gone if the task called `block_in_place`; the new owner polls
                // the LIFO slot now.
                let Some(core) = guard.as_mut() else { break };
                let Some(task) = remote.lifo.take() else {
                    break;
                };
                if !coop::has_budget_remaining() {
                    // Spent: the woken task waits its turn behind the others.
                    core.run_queue
                        .push_back_or_overflow(task, &handle.shared.inject);
                    break;
                }
                lifo_polls += 1;
                if lifo_polls >= MAX_LIFO_POLLS {
                    core.lifo_enabled = false;
                }
                core.polls += 1;
                core.batch_polls += 1;
                remote.polls.store(core.polls, Relaxed);
                drop(guard);
                task.run();
            }
            // The LIFO slot is empty now (only this worker fills it), so the run loop's next
            // pick would be the ring's head: take it here, counting the loop iteration, unless
            // that iteration is due to do maintenance or look at the injector first.
            let mut guard = self.core.borrow_mut();
            let Some(core) = guard.as_mut() else { break };
            if core.until_maintenance <= 1 || core.until_global_check <= 1 {
                break;
            }
            let Some(next) = core.run_queue.pop() else {
                break;
            };
            core.until_maintenance -= 1;
            core.until_global_check -= 1;
            core.lifo_enabled = lifo_enabled;
            core.polls += 1;
            core.batch_polls += 1;
            remote.polls.store(core.polls, Relaxed);
            task = next;
            // A new task: a full budget, as a new `coop::budget` scope would give it.
            coop::refill_budget();
        });
        self.in_poll.set(false);
        self.core.borrow_mut().take()
    }

    /// Every `event_interval` loop iterations: poll the driver, check for shutdown, tune the
    /// global queue interval, publish metrics.
    fn maintenance(&self, mut core: Box<Core>) -> Box<Core> {
        let handle = &self.handle;
        let config = &handle.shared.config;
        core.until_maintenance -= 1;
        if core.until_maintenance != 0 {
            return core;
        }
        core.until_maintenance = config.event_interval;
        *self.core.borrow_mut() = Some(core);
        // Tasks the driver wakes land in our queue; whether a sleeping peer should help is
        // decided once, below, not per wake-up.
        self.draining.set(true);
        handle.shared.driver.poll_events();
        // Tasks that yielded get their turn now too, as in tokio: under a queue that never
        // runs dry (tasks ping-ponging wakes), waiting for it to empty would starve them.
        coop::wake_deferred();
        self.draining.set(false);
        let mut core = self.core.borrow_mut().take().expect("worker core missing");
        if !core.yielded.is_empty() {
            let Core {
                yielded, run_queue, ..
            } = &mut *core;
            run_queue.push_back_batch(yielded, &handle.shared.inject);
        }
        if self.notify_after_drain.replace(false)
            && core.run_queue.len()
                + usize::from(handle.shared.remotes[core.index].lifo.is_occupied())
                > 1
        {
            // As after a park: one task we run ourselves next (waking a peer for it only
            // hands the task over, a futex wake and a migration, measured as a few percent
            // of a UDP ping-pong's round trips); more, and a peer may help.
            handle.notify_parked();
        }
        core.is_shutdown = handle.shared.inject.is_closed();
        if config.global_queue_interval.is_none() && core.batch_polls > 0 {
            let elapsed = core.batch_start.elapsed().as_nanos() as f64;
            let per_poll = elapsed / core.batch_polls as f64;
            core.avg_poll_ns = if core.avg_poll_ns == 0.0 {
                per_poll
            } else {
                EWMA_ALPHA * per_poll + (1.0 - EWMA_ALPHA) * core.avg_poll_ns
            };
            let target = TARGET_GLOBAL_QUEUE_LATENCY.as_nanos() as f64;
            let interval = (target / core.avg_poll_ns.max(1.0)) as u32;
            core.global_queue_interval = interval.clamp(2, 127);
            core.until_global_check = core.until_global_check.min(core.global_queue_interval);
            core.batch_start = Instant::now();
            core.batch_polls = 0;
        }
        core.publish_metrics(&handle.shared.remotes[core.index].metrics);
        core
    }

    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        let handle = &self.handle;
        // Still parked as far as users see: the last park ended in a timed look at busy
        // peers' LIFO slots that found nothing. Hooks and metrics see one park, not each
        // such look.
        let rechecking = core.parked;
        if !rechecking {
            if let Some(f) = &handle.common.on_park {
                f();
                if !coop::defer_is_empty() {
                    // The hook deferred a wake-up (a `yield_now` polled inside it): the run
                    // loop releases it instead of this worker sleeping on it.
                    return self.finish_unpark(core);
                }
            }
        }
        if core.transition_to_parked(handle) {
            if !rechecking {
                core.busy_ns += core.busy_since.elapsed().as_nanos() as u64;
                core.parked = true;
                core.parks += 1;
            }
            while !core.is_shutdown {
                let timeout = core.saw_occupied_lifo.then_some(STRANDED_LIFO_RECHECK);
                let watch = (handle.shared.idle.num_unparked() > 0).then_some(STRANDED_LIFO_WATCH);
                let watched;
                (core, watched) = self.park_timeout(core, timeout, watch);
                core.is_shutdown = handle.shared.inject.is_closed();
                if core.transition_from_parked(handle) {
                    break;
                }
                if (timeout.is_some() || watched)
                    && handle.shared.idle.unpark_worker_by_id(core.index)
                {
                    // Time to look at the busy workers' LIFO slots again; the worker counts
                    // as unparked once it finds a task to run (`run_task`).
                    return core;
                }
            }
        }
        self.finish_unpark(core)
    }

    /// Ends a park episode: runs the unpark hook and publishes the unparked state.
    #[cold]
    fn finish_unpark(&self, mut core: Box<Core>) -> Box<Core> {
        let handle = &self.handle;
        if let Some(f) = &handle.common.on_unpark {
            f();
        }
        let now = Instant::now();
        core.batch_start = now;
        core.batch_polls = 0;
        if core.parked {
            core.parked = false;
            core.busy_since = now;
            core.publish_metrics(&handle.shared.remotes[core.index].metrics);
        }
        core
    }

    /// Parks for at most `timeout`; with the driver, also at most `watch`. Returns the core
    /// and whether the watch applied.
    fn park_timeout(
        &self,
        mut core: Box<Core>,
        timeout: Option<Duration>,
        watch: Option<Duration>,
    ) -> (Box<Core>, bool) {
        let mut park = core.park.take().expect("worker parker missing");
        core.publish_metrics(&self.handle.shared.remotes[core.index].metrics);
        // Lend the core to the context so the driver's wake-ups land in our own queue.
        *self.core.borrow_mut() = Some(core);
        let watched = park.park_watching(timeout, watch);
        let mut core = self.core.borrow_mut().take().expect("worker core missing");
        core.park = Some(park);
        let remote = &self.handle.shared.remotes[core.index];
        if core.run_queue.len() + usize::from(remote.lifo.is_occupied()) > 1 {
            // The driver gave us more work than we run at once: let an idle peer help. One
            // task we run ourselves; waking a peer for it only makes it find nothing (a futex
            // wake and a context switch per I/O round trip, measured).
            self.handle.notify_parked();
        }
        (core, watched)
    }

    fn shutdown_core(&self, core: Box<Core>) {
        let handle = &self.handle;
        let mut cores = handle.shared.shutdown_cores.lock();
        cores.push(core);
        if cores.len() != handle.shared.remotes.len() {
            return;
        }
        // The last worker out drops every queued notification and stops the driver.
        for mut core in cores.drain(..) {
            while let Some(task) = core.run_queue.pop() {
                drop(task);
            }
            core.yielded.clear();
            drop(handle.shared.remotes[core.index].lifo.take());
            if let Some(park) = core.park.take() {
                park.shutdown_driver();
            }
        }
        drop(cores);
        handle.shared.inject.close();
    }
}

impl Core {
    fn next_task(&mut self, handle: &Handle) -> Option<Notified<Arc<Handle>>> {
        let shared = &handle.shared;
        self.until_global_check -= 1;
        if self.until_global_check == 0 {
            self.until_global_check = self.global_queue_interval;
            // Fairness: look at the injector first now and then.
            if let Some(task) = shared.inject.pop() {
                return Some(task);
            }
        }
        if let Some(task) = shared.remotes[self.index].lifo.take() {
            return Some(task);
        }
        if let Some(task) = self.run_queue.pop() {
            return Some(task);
        }
        self.take_from_injector(shared)
    }

    /// Moves a fair share of the injector into the local ring, returning one task.
    fn take_from_injector(&mut self, shared: &Shared) -> Option<Notified<Arc<Handle>>> {
        if shared.inject.is_empty() {
            return None;
        }
        let first = shared.inject.pop()?;
        let share = shared.inject.len() / shared.remotes.len() + 1;
        let room = self.run_queue.remaining_slots().min(CAPACITY / 2);
        let n = share.min(room);
        for _ in 1..n {
            match shared.inject.pop() {
                Some(task) => self.run_queue.push_back_or_overflow(task, &shared.inject),
                None => break,
            }
        }
        Some(first)
    }

    fn steal_work(&mut self, handle: &Handle) -> Option<Notified<Arc<Handle>>> {
        if !self.transition_to_searching(&handle.shared.idle) {
            return None;
        }
        let shared = &handle.shared;
        let n = shared.remotes.len();
        let start = self.rand.next_n(n as u32) as usize;
        for i in 0..n {
            let victim = (start + i) % n;
            if victim == self.index {
                continue;
            }
            if let Some(task) = shared.remotes[victim].steal.steal_into(&mut self.run_queue) {
                return Some(task);
            }
        }
        if let Some(task) = self.take_from_injector(shared) {
            return Some(task);
        }
        // A task in a busy worker's LIFO slot, with that worker still in the same poll as
        // when we last looked, is stranded behind a long poll: take it.
        self.saw_occupied_lifo = false;
        for victim in 0..n {
            if victim == self.index {
                continue;
            }
            let remote = &shared.remotes[victim];
            if !remote.lifo.is_occupied() {
                continue;
            }
            let polls = remote.polls.load(Relaxed);
            if self.lifo_seen[victim] == polls {
                if let Some(task) = remote.lifo.take() {
                    self.lifo_seen[victim] = u64::MAX;
                    return Some(task);
                }
            } else {
                self.lifo_seen[victim] = polls;
                self.saw_occupied_lifo = true;
            }
        }
        None
    }

    /// Steals from a peer whose poll counter has not moved since this worker last ran dry,
    /// i.e. a peer stuck in one long poll with tasks queued behind it. Called instead of
    /// [`Core::steal_work`] while this worker still has yielded tasks to run.
    fn steal_stranded(&mut self, handle: &Handle) -> Option<Notified<Arc<Handle>>> {
        let shared = &handle.shared;
        for victim in 0..shared.remotes.len() {
            if victim == self.index {
                continue;
            }
            let remote = &shared.remotes[victim];
            let polls = remote.polls.load(Relaxed);
            if self.polls_seen[victim] != polls {
                self.polls_seen[victim] = polls;
                continue;
            }
            if let Some(task) = remote.steal.steal_into(&mut self.run_queue) {
                return Some(task);
            }
            if let Some(task) = remote.lifo.take() {
                return Some(task);
            }
        }
        None
    }

    fn transition_to_searching(&mut self, idle: &Idle) -> bool {
        if !self.is_searching {
            self.is_searching = idle.transition_worker_to_searching();
        }
        self.is_searching
    }

    fn transition_from_searching(&mut self, handle: &Handle) {
        if !self.is_searching {
            return;
        }
        self.is_searching = false;
        if handle.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work: keep someone looking.
            handle.notify_parked();
        }
    }

    /// Returns `false` if there is work after all.
    fn transition_to_parked(&mut self, handle: &Handle) -> bool {
        if !self.run_queue.is_empty()
            || handle.shared.remotes[self.index].lifo.is_occupied()
            || !self.yielded.is_empty()
            || !coop::defer_is_empty()
        {
            return false;
        }
        let last = handle
            .shared
            .idle
            .transition_worker_to_parked(self.index, self.is_searching);
        self.is_searching = false;
        if last {
            handle.notify_if_work_pending();
        }
        true
    }

    /// Returns `true` if the worker was really woken (not spuriously).
    fn transition_from_parked(&mut self, handle: &Handle) -> bool {
        let idle = &handle.shared.idle;
        if !self.run_queue.is_empty() {
            // The driver woke us with work. Leave the sleeper list; if someone already took
            // us off it, they counted us as searching.
            if !idle.unpark_worker_by_id(self.index) {
                self.is_searching = true;
            }
            return true;
        }
        if idle.is_parked(self.index) {
            return false;
        }
        self.is_searching = !self.is_shutdown;
        true
    }

    fn publish_metrics(&self, metrics: &WorkerMetrics) {
        metrics.poll_count.store(self.polls, Relaxed);
        metrics.steal_count.store(self.steals, Relaxed);
        metrics.park_count.store(self.parks, Relaxed);
        // Odd while parked, even while running, as tokio's.
        metrics
            .park_unpark_count
            .store(2 * self.parks - u64::from(self.parked), Relaxed);
        metrics.busy_ns.store(self.busy_ns, Relaxed);
        metrics
            .local_queue_depth
            .store(self.run_queue.len() as u64, Relaxed);
        metrics
            .global_queue_interval
            .store(u64::from(self.global_queue_interval), Relaxed);
    }
}

/// Runs `f`, which may block, on the current worker thread after handing the worker's core
/// (its queues and its place in the runtime) to a new thread, so the other tasks of this
/// worker keep running meanwhile.
#[track_caller]
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    let cx = CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null());
    if cx.is_null() {
        // Not a worker thread: inside a current-thread runtime this would stall every task,
        // so it is refused (as tokio does); elsewhere there is nothing to hand off.
        // Refused where the thread drives tasks that blocking would stall: a current-thread
        // runtime's `Runtime::block_on` and a running `LocalSet`. (`Handle::block_on` and a
        // multi-thread runtime's `block_on` thread may block, as in tokio.)
        if crate::context::is_runtime_entered() && crate::context::is_block_in_place_disallowed() {
            panic!("can call blocking only when running on the multi-threaded runtime");
        }
        return crate::context::exit_runtime(|| coop::blocking_section(f));
    }
    // SAFETY: as in `schedule_local`: the pointer is live while `run` is on this stack.
    let cx = unsafe { &*cx };
    let core = cx.core.borrow_mut().take();
    if let Some(core) = core {
        let handle = cx.handle.clone();
        let rt = crate::runtime::Handle {
            inner: crate::runtime::Scheduler::MultiThread(handle.clone()),
        };
        if let Err(e) = rt
            .common()
            .blocking
            .spawn_dedicated(&rt, move || run(handle, core))
        {
            panic!("OS can't spawn a new worker thread for block_in_place: {e}");
        }
        crate::context::set_worker_index(None);
    }
    crate::context::exit_runtime(|| coop::blocking_section(f))
}
