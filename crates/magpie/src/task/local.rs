//! `LocalSet`: the facade's wrapper, adding tokio's `block_on(&Runtime, ..)`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use magpie_sched::{spawn_local, LocalEnterGuard, RunUntil};

use crate::runtime::Runtime;
use crate::task::JoinHandle;

/// A set of tasks that run on the current thread, so they need not be `Send`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use magpie::task::LocalSet;
///
/// let rt = magpie::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// let local = LocalSet::new();
/// let not_send = Rc::new("hello");
/// local.block_on(&rt, async move {
///     let h = magpie::task::spawn_local(async move { not_send.len() });
///     assert_eq!(h.await.unwrap(), 5);
/// });
/// ```
#[derive(Default)]
pub struct LocalSet {
    inner: magpie_sched::LocalSet,
}

impl LocalSet {
    /// An empty set, owned by the current thread.
    pub fn new() -> LocalSet {
        LocalSet::default()
    }

    /// Spawns a `!Send` future on this set; it runs when the set runs.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.inner.spawn_local(future)
    }

    /// Runs `future` to completion on `rt`, running the set's tasks meanwhile.
    ///
    /// # Panics
    ///
    /// Panics if called from inside a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.inner.run_until(future))
    }

    /// Runs `future` to completion, running the set's tasks while it waits.
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        self.inner.run_until(future)
    }

    /// Makes this set current (for `spawn_local`) until the guard drops.
    pub fn enter(&self) -> LocalEnterGuard {
        self.inner.enter()
    }

    /// Makes `spawn_local` in `handle`'s context spawn onto this set (a `LocalRuntime`'s).
    pub(crate) fn bind_to_runtime(&self, handle: &crate::runtime::Handle) {
        self.inner.bind_to_runtime(handle);
    }
}

impl Future for LocalSet {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
