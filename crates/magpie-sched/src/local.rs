//! `LocalSet`: tasks that are not `Send`, run on the thread that owns the set.
//!
//! A local task's future never leaves its thread: it is polled only while the `LocalSet`
//! runs (`run_until`, awaiting the set, or its `block_on`) and dropped there. What may cross
//! threads is only what every task shares: its state word, wakers and abort handles. A wake
//! from the owner thread pushes onto the set's own queue; a wake from anywhere else pushes
//! onto a locked queue and wakes whoever polls the set.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::coop;
use crate::loom::sync::Mutex;
use crate::task::list::OwnedTasks;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};

/// Tasks polled per run of the set before it yields to its caller (as tokio's).
const MAX_TASKS_PER_TICK: usize = 61;
/// How often the remote queue is looked at first, for fairness.
const REMOTE_FIRST_INTERVAL: u8 = 31;

/// A set of tasks that run on the current thread, so they need not be `Send`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let rt = magpie_sched::runtime::Builder::new_current_thread().build().unwrap();
/// let local = magpie_sched::LocalSet::new();
/// let shared = Rc::new(41);
/// let out = rt.block_on(local.run_until(async move {
///     let s = shared.clone();
///     magpie_sched::spawn_local(async move { *s + 1 }).await.unwrap()
/// }));
/// assert_eq!(out, 42);
/// ```
pub struct LocalSet {
    tick: Cell<u8>,
    context: Rc<LocalContext>,
    _not_send: PhantomData<*const ()>,
}

struct LocalContext {
    shared: Arc<Shared>,
    owned: OwnedTasks<Arc<Shared>>,
}

struct Shared {
    /// Identifies the owner thread (the address of a thread-local).
    owner: usize,
    /// Only touched on the owner thread.
    local: RefCellSync<VecDeque<Notified<Arc<Shared>>>>,
    /// Wakes from other threads; `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<Notified<Arc<Shared>>>>>,
    waker: Mutex<Option<Waker>>,
}

/// A `RefCell` that is `Sync` because only the owner thread ever touches it.
struct RefCellSync<T>(RefCell<T>);

// SAFETY: every access goes through `Shared::local_queue`, which checks that the caller is
// the owner thread; the cell never moves between threads in use.
unsafe impl<T> Sync for RefCellSync<T> {}
// SAFETY: as for `Sync`: the contents are only used on the owner thread (dropped there too,
// since the set drains them before it is dropped).
unsafe impl<T> Send for RefCellSync<T> {}

thread_local! {
    static THREAD_MARK: u8 = const { 0 };
    /// The set being run on this thread, for `spawn_local` and owner-thread wakes.
    static CURRENT: Cell<*const LocalContext> = const { Cell::new(ptr::null()) };
}

fn thread_mark() -> usize {
    THREAD_MARK.with(|m| m as *const u8 as usize)
}

impl Shared {
    fn is_owner_thread(&self) -> bool {
        THREAD_MARK
            .try_with(|m| m as *const u8 as usize == self.owner)
            .unwrap_or(false)
    }

    fn push_remote(&self, task: Notified<Arc<Shared>>) {
        let mut remote = self.remote.lock();
        match remote.as_mut() {
            Some(queue) => queue.push_back(task),
            None => {
                // The set is gone: its tasks were all cancelled; just release this one.
                drop(remote);
                drop(task);
                return;
            }
        }
        drop(remote);
        if let Some(w) = self.waker.lock().take() {
            w.wake();
        }
    }
}

impl Schedule for Arc<Shared> {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        let cx = CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null());
        // SAFETY: `CURRENT` points at a live context while the set runs on this thread, and
        // tasks complete only while their set runs (or is dropped, which also sets it).
        let cx = unsafe { cx.as_ref() }.expect("local task completed outside its LocalSet");
        debug_assert!(Arc::ptr_eq(&cx.shared, self));
        cx.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        if self.is_owner_thread() {
            if let Ok(mut local) = self.local.0.try_borrow_mut() {
                local.push_back(task);
                drop(local);
                // While the set is running it picks the task up itself; only an idle set
                // (awaited by its caller) needs waking, which costs a lock.
                let cx = CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null());
                // SAFETY: `CURRENT` points at a live context while it is set (see `Enter`).
                let running =
                    unsafe { cx.as_ref() }.is_some_and(|cx| Arc::ptr_eq(&cx.shared, self));
                if !running {
                    if let Some(w) = self.waker.lock().take() {
                        w.wake();
                    }
                }
                return;
            }
        }
        self.push_remote(task);
    }
}

/// Makes `cx` the current set of this thread until dropped.
struct Enter(*const LocalContext);

impl Enter {
    fn new(cx: &LocalContext) -> Enter {
        Enter(CURRENT.try_with(|c| c.replace(cx)).unwrap_or(ptr::null()))
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}

impl LocalSet {
    /// An empty set, owned by the current thread.
    pub fn new() -> LocalSet {
        let shared = Arc::new(Shared {
            owner: thread_mark(),
            local: RefCellSync(RefCell::new(VecDeque::new())),
            remote: Mutex::new(Some(VecDeque::new())),
            waker: Mutex::new(None),
        });
        LocalSet {
            tick: Cell::new(0),
            context: Rc::new(LocalContext {
                shared,
                owned: OwnedTasks::new(1),
            }),
            _not_send: PhantomData,
        }
    }

    /// Spawns a `!Send` future on this set. It runs when the set runs.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        spawn_on(&self.context, future, Location::caller())
    }

    /// Runs `future` to completion, running the set's tasks while it waits.
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil { set: self, future }
    }

    /// Makes this set current (for `spawn_local`) until the guard drops.
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard {
            _enter: Enter::new(&self.context),
            _not_send: PhantomData,
        }
    }

    fn next_task(&self) -> Option<Notified<Arc<Shared>>> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        let shared = &self.context.shared;
        let remote = || shared.remote.lock().as_mut().and_then(VecDeque::pop_front);
        let local = || shared.local.0.borrow_mut().pop_front();
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            remote().or_else(local)
        } else {
            local().or_else(remote)
        }
    }

    /// Runs up to a tick's worth of tasks; returns `true` if more are waiting.
    fn tick(&self) -> bool {
        for _ in 0..MAX_TASKS_PER_TICK {
            match self.next_task() {
                Some(task) => coop::budget(|| task.run()),
                None => return false,
            }
        }
        true
    }

    fn register(&self, waker: &Waker) {
        let mut slot = self.context.shared.waker.lock();
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }
}

/// Spawns a `!Send` future on the `LocalSet` that is running on this thread.
///
/// # Panics
///
/// Panics outside a `LocalSet`: "`spawn_local` called from outside of a `task::LocalSet`".
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let cx = CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null());
    // SAFETY: `CURRENT` is set only while a live context is on this thread (see `Enter`).
    match unsafe { cx.as_ref() } {
        Some(cx) => spawn_on(cx, future, Location::caller()),
        None => panic!("`spawn_local` called from outside of a `task::LocalSet` or LocalRuntime"),
    }
}

fn spawn_on<F>(
    cx: &LocalContext,
    future: F,
    at: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // SAFETY: local tasks are polled and cancelled only by their set, on its owner thread
    // (`tick`, `Drop for LocalSet`); their output is read through a `!Send` JoinHandle when
    // the output is `!Send`.
    let (join, notified) = unsafe {
        cx.owned
            .bind_local(future, cx.shared.clone(), Id::next(), at)
    };
    if let Some(notified) = notified {
        cx.shared.schedule(notified);
    }
    join
}

/// A future that runs a `LocalSet` until its inner future completes; see
/// [`LocalSet::run_until`].
pub struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned; `set` is a plain reference.
        let this = unsafe { self.get_unchecked_mut() };
        let set = this.set;
        let _enter = Enter::new(&set.context);
        set.register(cx.waker());
        // SAFETY: as above; `this.future` is never moved.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(out) = coop::budget(|| future.poll(cx)) {
            return Poll::Ready(out);
        }
        if set.tick() {
            // More tasks wait: come back after the caller's peers had a turn.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Future for LocalSet {
    type Output = ();

    /// Runs the set until every task in it has completed.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _enter = Enter::new(&self.context);
        self.register(cx.waker());
        if self.tick() {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if self.context.owned.len() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Default for LocalSet {
    fn default() -> Self {
        LocalSet::new()
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        let _enter = Enter::new(&self.context);
        // Every task's future is dropped here, on the owner thread.
        self.context.owned.close_and_shutdown_all(0);
        let local = std::mem::take(&mut *self.context.shared.local.0.borrow_mut());
        drop(local);
        let remote = self.context.shared.remote.lock().take();
        drop(remote);
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").finish_non_exhaustive()
    }
}

/// Keeps a `LocalSet` current on this thread; see [`LocalSet::enter`].
#[derive(Debug)]
pub struct LocalEnterGuard {
    _enter: Enter,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for Enter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Enter")
    }
}
