//! `JoinSet`: a collection of spawned tasks, awaited in the order they finish.
//!
//! The set is a [`ReadySet`] of `JoinHandle`s: each handle is polled with a waker of its
//! own entry, and waking it queues the entry's key on a ready list and wakes whoever waits
//! in `join_next`. So `join_next` touches only the tasks that finished (or were just
//! added), never the whole set. The wake-up protocol lives in `ready_set`, free of the
//! runtime, where the loom tests check it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::Handle;
use crate::task::{AbortHandle, Id, JoinError, JoinHandle};

pub(crate) mod ready_set;

use ready_set::ReadySet;

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
    set: ReadySet<JoinHandle<T>>,
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            set: ReadySet::new(),
        }
    }

    /// The number of tasks in the set (finished ones count until joined).
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Returns `true` if the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        self.set.insert(handle);
        abort
    }

    /// Aborts every task in the set; they stay in it until joined.
    pub fn abort_all(&mut self) {
        self.set.handles().for_each(JoinHandle::abort);
    }

    /// Removes every task from the set without aborting them: they keep running.
    pub fn detach_all(&mut self) {
        self.set.clear();
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
        // Outside the coop budget, as tokio's: a finished task is always returned here.
        self.set
            .try_next(JoinHandle::is_finished, |handle, cx, first| {
                magpie_sched::coop::with_unconstrained(|| poll_handle(handle, cx, first))
            })
            .map(with_id)
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
        self.set
            .poll_next(cx, poll_handle)
            .map(|next| next.map(with_id))
    }
}

/// Polls a handle with its entry's waker. Every poll spends coop budget, the first one
/// too (as tokio's): joining many finished tasks in one go yields to the scheduler now and
/// then. A first poll cut short by the budget defers the entry's waker, which queues the
/// entry again.
fn poll_handle<T>(
    handle: &mut JoinHandle<T>,
    cx: &mut Context<'_>,
    _first: bool,
) -> Poll<Result<T, JoinError>> {
    Pin::new(handle).poll(cx)
}

fn with_id<T>((handle, out): (JoinHandle<T>, Result<T, JoinError>)) -> Result<(Id, T), JoinError> {
    let id = handle.id();
    out.map(|v| (id, v))
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
