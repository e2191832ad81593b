//! The seam between workloads and runtimes.
//!
//! A workload is written once, generic over [`BenchRuntime`], and instantiated for
//! [`Magpie`] and [`Tokio`]. The trait only names what the scheduler workloads need (spawn
//! from inside and outside, yield, blocking pool, a oneshot channel); every method is a thin
//! forward to the runtime's own API, and the wrappers both runtimes share ([`Unwrap`]) cost
//! the same on each side.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use crate::workloads::{Routine, Workload};

mod magpie;
mod tokio;

pub use self::magpie::Magpie;
pub use self::tokio::Tokio;

static DRIVERS: AtomicBool = AtomicBool::new(true);

/// Whether [`BenchRuntime::build`] enables the I/O and time drivers (the default) or builds
/// the scheduler alone on both sides (`compare --drivers none`). Without drivers both
/// runtimes park idle workers on a condition variable rather than in `epoll`, and only the
/// scheduler workloads can run.
pub fn set_drivers(enabled: bool) {
    DRIVERS.store(enabled, Ordering::Relaxed);
}

/// See [`set_drivers`].
pub fn drivers() -> bool {
    DRIVERS.load(Ordering::Relaxed)
}

/// A multi-thread runtime that the workloads can run on.
pub trait BenchRuntime: Send + Sync + Sized + 'static {
    /// Short name used in reports: `magpie` or `tokio`.
    const NAME: &'static str;

    /// A cloneable handle that spawns onto the runtime from any thread.
    type Handle: Clone + Send + Sync + 'static;

    /// Resolves to a spawned task's output; panics if the task panicked or was cancelled.
    type JoinHandle<T: Send + 'static>: Future<Output = T> + Send + Unpin + 'static;

    /// The sending half of a oneshot channel.
    type Sender<T: Send + 'static>: Send + 'static;

    /// The receiving half of a oneshot channel; panics if the sender was dropped unsent.
    type Receiver<T: Send + 'static>: Future<Output = T> + Send + Unpin + 'static;

    /// Builds a multi-thread runtime with `workers` worker threads and every driver (I/O
    /// and time) enabled, as `Builder::new_multi_thread().enable_all()` does, on both sides;
    /// with no driver at all after [`set_drivers`]`(false)`.
    fn build(workers: usize) -> Self;

    /// A handle to this runtime.
    fn handle(&self) -> Self::Handle;

    /// Runs a future to completion on the calling thread, inside the runtime's context.
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Spawns a task from outside the runtime, through a handle.
    fn spawn_on<F>(handle: &Self::Handle, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns a task onto the current runtime (called from inside it).
    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Runs a closure on the current runtime's blocking pool.
    fn spawn_blocking<F, R>(func: F) -> Self::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static;

    /// Yields to the scheduler once.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// Creates a oneshot channel.
    fn oneshot<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>);

    /// Sends on a oneshot channel; a dropped receiver is ignored.
    fn send<T: Send + 'static>(tx: Self::Sender<T>, value: T);

    /// Prepares one of the API workloads (sync, time, I/O), which are written against the
    /// runtime crate's own paths (`magpie::sync::mpsc`, `tokio::sync::mpsc`, ...) rather
    /// than through this trait (`workloads/api.rs` expands them for each runtime).
    ///
    /// # Panics
    ///
    /// Panics if `workload` is a scheduler workload (those go through [`Workload::prepare`]).
    fn prepare_api(&self, workload: Workload) -> Routine<'_>;
}

/// Turns a future of `Result<T, E>` into a future of `T`, panicking on `Err`.
///
/// Both runtimes' join handles and oneshot receivers go through it, so the unwrapping costs
/// the same on each side; a benchmark whose task failed must not report a time.
#[derive(Debug)]
pub struct Unwrap<F>(pub F);

impl<F, T, E> Future for Unwrap<F>
where
    F: Future<Output = Result<T, E>> + Unpin,
    E: Debug,
{
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(Ok(value)) => Poll::Ready(value),
            Poll::Ready(Err(e)) => panic!("benchmark task or channel failed: {e:?}"),
            Poll::Pending => Poll::Pending,
        }
    }
}
