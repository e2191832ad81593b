//! Spawning onto the current runtime, and yielding.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::Handle;
use crate::task::JoinHandle;

/// Spawns a new asynchronous task on the current runtime, returning a [`JoinHandle`].
///
/// The task starts running in the background at once; awaiting the handle is not needed
/// for it to make progress.
///
/// # Panics
///
/// Panics outside a runtime: "there is no reactor running, must be called from the
/// context of a Tokio 1.x runtime" (tokio's words, which code moving from tokio may match).
///
/// # Examples
///
/// ```
/// let rt = magpie_sched::runtime::Builder::new_multi_thread().build().unwrap();
/// rt.block_on(async {
///     let handle = magpie_sched::spawn(async { 40 + 2 });
///     assert_eq!(handle.await.unwrap(), 42);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let at = std::panic::Location::caller();
    match crate::context::with_current(|h| h.spawn_with_id(future, crate::task::Id::next(), at)) {
        Ok(join) => join,
        Err(e) => panic!("{e}"),
    }
}

/// Runs a blocking closure on the current runtime's blocking pool.
///
/// # Panics
///
/// Panics outside a runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(func: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match Handle::try_current() {
        Ok(h) => h.spawn_blocking(func),
        Err(e) => panic!("{e}"),
    }
}

/// Yields execution back to the scheduler: the task goes to the back of the run queue.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// magpie_sched::yield_now().await;
/// # });
/// ```
pub async fn yield_now() {
    struct YieldNow {
        yielded: bool,
    }

    impl Future for YieldNow {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.yielded {
                return Poll::Ready(());
            }
            self.yielded = true;
            crate::coop::defer(cx.waker());
            Poll::Pending
        }
    }

    YieldNow { yielded: false }.await
}

/// Runs the blocking function `f` on the current worker thread, first moving the worker's
/// queued tasks to a new thread so they keep running.
///
/// Unlike [`spawn_blocking`], `f` may borrow from the caller. Outside a runtime it just runs
/// `f`.
///
/// # Panics
///
/// Panics on a current-thread runtime: "can call blocking only when running on the
/// multi-threaded runtime".
///
/// # Examples
///
/// ```
/// let rt = magpie_sched::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     let data = vec![1, 2, 3];
///     let sum: i32 = magpie_sched::spawn(async move {
///         magpie_sched::block_in_place(|| data.iter().sum())
///     })
///     .await
///     .unwrap();
///     assert_eq!(sum, 6);
/// });
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    crate::multi_thread::block_in_place(f)
}
