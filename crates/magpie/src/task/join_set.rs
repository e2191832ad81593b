//! `JoinSet`: a collection of spawned tasks, awaited in the order they finish.
//!
//! Each task's `JoinHandle` is polled with a waker of its own entry; waking it queues the
//! entry's key on a shared ready list and wakes whoever waits in `join_next`. So
//! `join_next` touches only the tasks that finished (or were just added), never the whole
//! set.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use crate::runtime::Handle;
use crate::task::{AbortHandle, Id, JoinError, JoinHandle};

/// A collection of tasks spawned on a runtime.
///
/// Tasks are awaited in the order they complete with [`join_next`](JoinSet::join_next).
/// Dropping the set aborts every task still in it.
///
/// # Examples
///
/// ```
/// use magpie::task::JoinSet;
///
/// # magpie::runtime::Runtime::new().unwrap().block_on(async {
/// let mut set = JoinSet::new();
/// for i in 0..10 {
///     set.spawn(async move { i });
/// }
/// let mut seen = [false; 10];
/// while let Some(res) = set.join_next().await {
///     seen[res.unwrap()] = true;
/// }
/// assert!(seen.iter().all(|&b| b));
/// # });
/// ```
pub struct JoinSet<T> {
    entries: HashMap<u64, JoinHandle<T>>,
    /// Each entry's waker, and whether its handle has been polled (its waker registered).
    wakers: HashMap<u64, (Arc<EntryWaker>, bool)>,
    shared: Arc<Shared>,
    next_key: u64,
}

struct Shared {
    ready: Mutex<VecDeque<u64>>,
    parent: Mutex<Option<Waker>>,
}

struct EntryWaker {
    key: u64,
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        self.shared.ready.lock().unwrap().push_back(self.key);
        let parent = self.shared.parent.lock().unwrap().take();
        if let Some(waker) = parent {
            waker.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: HashMap::new(),
            wakers: HashMap::new(),
            shared: Arc::new(Shared {
                ready: Mutex::new(VecDeque::new()),
                parent: Mutex::new(None),
            }),
            next_key: 0,
        }
    }

    /// The number of tasks in the set (finished ones count until joined).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns `true` if the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let key = self.next_key;
        self.next_key += 1;
        let entry = Arc::new(EntryWaker {
            key,
            queued: AtomicBool::new(false),
            shared: self.shared.clone(),
        });
        // A new entry starts queued, so the next join_next polls it once and registers its
        // waker with the task.
        entry.wake_by_ref();
        self.entries.insert(key, handle);
        self.wakers.insert(key, (entry, false));
        abort
    }

    /// Aborts every task in the set; they stay in it until joined.
    pub fn abort_all(&mut self) {
        self.entries.values().for_each(JoinHandle::abort);
    }

    /// Removes every task from the set without aborting them: they keep running.
    pub fn detach_all(&mut self) {
        self.entries.clear();
        self.wakers.clear();
        self.shared.ready.lock().unwrap().clear();
    }

    /// Waits for the next task to finish and returns its result, or `None` if the set is
    /// empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before completing, no task result is lost.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Like [`join_next`](Self::join_next), also returning the task's [`Id`].
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        std::future::poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Returns a finished task's result without waiting, or `None` if none has finished.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id().map(|r| r.map(|(_, v)| v))
    }

    /// Like [`try_join_next`](Self::try_join_next), with the task's [`Id`].
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        let keys: Vec<u64> = self.entries.keys().copied().collect();
        for key in keys {
            if self.entries[&key].is_finished() {
                if let Poll::Ready(out) = self.poll_entry(key) {
                    return Some(out);
                }
            }
        }
        None
    }

    /// Aborts every task and waits for them all to stop.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs, in the order they finished.
    ///
    /// # Panics
    ///
    /// If a task panicked, its panic is resumed here (after aborting the rest); if a task
    /// was cancelled, this panics too, as tokio does.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(res) = self.join_next().await {
            match res {
                Ok(v) => out.push(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("{e}"),
            }
        }
        out
    }

    /// Polls for the next finished task; see [`join_next`](Self::join_next).
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|o| o.map(|r| r.map(|(_, v)| v)))
    }

    /// Polls for the next finished task with its [`Id`].
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.entries.is_empty() {
            return Poll::Ready(None);
        }
        // Register first, so a wake between the drain below and our return is not lost.
        *self.shared.parent.lock().unwrap() = Some(cx.waker().clone());
        loop {
            let Some(key) = self.shared.ready.lock().unwrap().pop_front() else {
                return Poll::Pending;
            };
            let registered = self.wakers.get(&key).is_some_and(|(_, r)| *r);
            match self.poll_entry(key) {
                Poll::Ready(out) => return Poll::Ready(Some(out)),
                Poll::Pending if registered => {
                    // A woken handle that is still pending ran out of coop budget: yield
                    // to the scheduler rather than spin (the entry is queued again).
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Pending => {}
            }
        }
    }

    /// Polls one entry's handle with the entry's own waker. The first poll only registers
    /// that waker, so it runs without a budget limit.
    fn poll_entry(&mut self, key: u64) -> Poll<Result<(Id, T), JoinError>> {
        let (Some(handle), Some((entry, registered))) =
            (self.entries.get_mut(&key), self.wakers.get_mut(&key))
        else {
            return Poll::Pending; // detached or already joined
        };
        // Unqueue before polling: a completion racing this poll queues the entry again.
        entry.queued.store(false, Ordering::Release);
        let waker = Waker::from(entry.clone());
        let mut cx = Context::from_waker(&waker);
        let first = !std::mem::replace(registered, true);
        let poll = if first {
            magpie_sched::coop::with_unconstrained(|| Pin::new(&mut *handle).poll(&mut cx))
        } else {
            Pin::new(&mut *handle).poll(&mut cx)
        };
        match poll {
            Poll::Ready(out) => {
                let handle = self.entries.remove(&key).expect("entry vanished");
                self.wakers.remove(&key);
                let id = handle.id();
                Poll::Ready(out.map(|v| (id, v)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `task` on the current runtime and adds it to the set.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(task))
    }

    /// Spawns `task` on the runtime of `handle` and adds it to the set.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, task: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(task))
    }

    /// Runs a blocking closure on the blocking pool and adds it to the set.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(crate::task::spawn_blocking(f))
    }

    /// Runs a blocking closure on `handle`'s blocking pool and adds it to the set.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(handle.spawn_blocking(f))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a `!Send` future on the current `LocalSet` and adds it to the set.
    ///
    /// # Panics
    ///
    /// Panics outside a `LocalSet`.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(crate::task::spawn_local(task))
    }

    /// Spawns a `!Send` future on `local_set` and adds it to the set.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, task: F, local_set: &crate::task::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(task))
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

impl<T, F> std::iter::FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut set = JoinSet::new();
        iter.into_iter().for_each(|f| {
            set.spawn(f);
        });
        set
    }
}

impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        iter.into_iter().for_each(|f| {
            self.spawn(f);
        });
    }
}
