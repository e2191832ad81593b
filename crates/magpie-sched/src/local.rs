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
use crate::runtime::Handle;
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
    /// The runtime whose context spawns onto this set (a `LocalRuntime`'s own set).
    bound: RefCell<Option<Handle>>,
    _not_send: PhantomData<*const ()>,
}

/// A runtime's link to the `LocalSet` of the `LocalRuntime` built on it: `spawn_local`
/// inside that runtime's context (e.g. under `LocalRuntime::enter`) spawns onto the set, but
/// only on the thread that owns it.
pub(crate) struct LocalBinding {
    owner: usize,
    /// Not an owned reference: the set nulls it in its `Drop`, before the context can go
    /// away, and only the owner thread ever dereferences it. The owner stays: the runtime
    /// remains a local runtime of that thread.
    context: *const LocalContext,
}

// SAFETY: the pointer is dereferenced only on the owner thread (checked against `owner`)
// while the binding is set, i.e. while the set (which holds a strong reference) is alive;
// other threads only read `owner`.
unsafe impl Send for LocalBinding {}

struct LocalContext {
    shared: Arc<Shared>,
}

struct Shared {
    /// Identifies the owner thread (the address of a thread-local).
    owner: usize,
    /// Every task of the set. Here rather than in the `!Send` context so that a task can
    /// be released without this thread's thread-locals (a set dropped during thread-local
    /// destruction); the tasks' references to `Shared` are dropped when the set drains
    /// this list in its `Drop`.
    owned: OwnedTasks<Arc<Shared>>,
    /// The set is being polled (its future or its tasks) on the owner thread, which then
    /// picks up new local tasks itself. Only touched on the owner thread.
    running: CellSync<bool>,
    /// Only touched on the owner thread.
    local: RefCellSync<VecDeque<Notified<Arc<Shared>>>>,
    /// Wakes from other threads; `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<Notified<Arc<Shared>>>>>,
    waker: Mutex<Option<Waker>>,
}

/// A `RefCell` that is `Sync` because only the owner thread ever touches it.
struct RefCellSync<T>(RefCell<T>);

/// A `Cell` that is `Sync` because only the owner thread ever touches it.
struct CellSync<T>(Cell<T>);

// SAFETY: read and written only on the owner thread (`schedule` checks
// `is_owner_thread` first; the polls run there).
unsafe impl<T> Sync for CellSync<T> {}

/// Marks the set as running (see `Shared::running`) until dropped.
struct Running<'a>(&'a Shared, bool);

impl<'a> Running<'a> {
    fn new(shared: &'a Shared) -> Running<'a> {
        Running(shared, shared.running.0.replace(true))
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.0.set(self.1);
    }
}

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
        self.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        if self.is_owner_thread() {
            if let Ok(mut local) = self.local.0.try_borrow_mut() {
                local.push_back(task);
                drop(local);
                // While the set is running it picks the task up itself; only an idle set
                // (awaited by its caller) needs waking, which costs a lock.
                // (Being entered, by `LocalSet::enter`, is not running: then the task
                // waits for the set's next poll.)
                if !self.running.0.get() {
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
            owned: OwnedTasks::new(1),
            running: CellSync(Cell::new(false)),
            local: RefCellSync(RefCell::new(VecDeque::new())),
            remote: Mutex::new(Some(VecDeque::new())),
            waker: Mutex::new(None),
        });
        LocalSet {
            tick: Cell::new(0),
            context: Rc::new(LocalContext { shared }),
            bound: RefCell::new(None),
            _not_send: PhantomData,
        }
    }

    /// Makes `spawn_local` called inside `handle`'s runtime context spawn onto this set, as
    /// a `LocalRuntime`'s own set (the facade's `LocalRuntime` is a runtime plus a set).
    /// From any thread but this set's owner, `spawn_local` in that context then panics.
    /// The binding ends when the set is dropped.
    pub fn bind_to_runtime(&self, handle: &Handle) {
        *handle.common().local.lock() = Some(LocalBinding {
            owner: self.context.shared.owner,
            context: Rc::as_ptr(&self.context),
        });
        if let Some(prev) = self.bound.replace(Some(handle.clone())) {
            unbind(&prev, &self.context);
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
        RunUntil {
            set: self,
            future,
            _pinned: std::marker::PhantomPinned,
        }
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
/// Panics outside a `LocalSet` or `LocalRuntime` ("`spawn_local` called from outside of a
/// `task::LocalSet` or `runtime::LocalRuntime`"), and in a `LocalRuntime`'s context on a
/// thread other than its own.
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let cx = CURRENT.try_with(|c| c.get()).unwrap_or(ptr::null());
    // SAFETY: `CURRENT` is set only while a live context is on this thread (see `Enter`).
    if let Some(cx) = unsafe { cx.as_ref() } {
        return spawn_on(cx, future, Location::caller());
    }
    match crate::context::with_current(bound_context) {
        Ok(Some(cx)) => spawn_on(&cx, future, Location::caller()),
        Ok(None) | Err(_) => panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
        ),
    }
}

/// The set bound to `handle`'s runtime (a `LocalRuntime`'s), if any. Panics off its owner
/// thread, as tokio does.
#[track_caller]
fn bound_context(handle: &Handle) -> Option<Rc<LocalContext>> {
    let binding = handle.common().local.lock();
    let binding = binding.as_ref()?;
    if binding.owner != thread_mark() {
        panic!("Local tasks can only be spawned on a LocalRuntime from the thread the runtime was created on");
    }
    if binding.context.is_null() {
        return None;
    }
    // SAFETY: we are on the owner thread and the binding is set, so the set that holds a
    // strong reference to the context is alive (it unbinds in `Drop`, on this thread, and
    // cannot run concurrently with us); taking one more strong reference is sound, and the
    // `Rc` never leaves this thread.
    Some(unsafe {
        Rc::increment_strong_count(binding.context);
        Rc::from_raw(binding.context)
    })
}

/// Unlinks `handle`'s binding from `cx` if it still points at it.
fn unbind(handle: &Handle, cx: &Rc<LocalContext>) {
    let mut binding = handle.common().local.lock();
    if let Some(b) = binding.as_mut() {
        if ptr::eq(b.context, Rc::as_ptr(cx)) {
            b.context = ptr::null();
        }
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
        cx.shared
            .owned
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
    /// `!Unpin` whatever `F` is, as tokio's.
    _pinned: std::marker::PhantomPinned,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned; `set` is a plain reference.
        let this = unsafe { self.get_unchecked_mut() };
        let set = this.set;
        let _enter = Enter::new(&set.context);
        let _no_blocking = crate::context::disallow_block_in_place();
        let _running = Running::new(&set.context.shared);
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
        let _no_blocking = crate::context::disallow_block_in_place();
        let _running = Running::new(&self.context.shared);
        self.register(cx.waker());
        if self.tick() {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if self.context.shared.owned.len() == 0 {
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
        if let Some(handle) = self.bound.take() {
            unbind(&handle, &self.context);
        }
        let _enter = Enter::new(&self.context);
        let _no_blocking = crate::context::disallow_block_in_place();
        // Every task's future is dropped here, on the owner thread.
        self.context.shared.owned.close_and_shutdown_all(0);
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
