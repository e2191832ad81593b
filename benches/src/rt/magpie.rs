//! [`BenchRuntime`] for magpie's scheduler (`magpie_sched`) and channels (`magpie_sync`).
//!
//! The benches talk to `magpie_sched` directly: it is the runtime the `magpie` facade
//! re-exports, and going straight to it keeps the benches independent of the facade's wiring.

use std::future::Future;

use magpie_sched::runtime::{Builder, Handle, Runtime};
use magpie_sync::oneshot;

use super::{BenchRuntime, Unwrap};

/// Magpie's multi-thread runtime.
#[derive(Debug)]
pub struct Magpie(Runtime);

impl BenchRuntime for Magpie {
    const NAME: &'static str = "magpie";

    type Handle = Handle;
    type JoinHandle<T: Send + 'static> = Unwrap<magpie_sched::task::JoinHandle<T>>;
    type Sender<T: Send + 'static> = oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = Unwrap<oneshot::Receiver<T>>;

    fn build(workers: usize) -> Self {
        let rt = Builder::new_multi_thread()
            .worker_threads(workers)
            .build()
            .expect("failed to build the magpie runtime");
        Magpie(rt)
    }

    fn handle(&self) -> Handle {
        self.0.handle().clone()
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    fn spawn_on<F>(handle: &Handle, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrap(handle.spawn(future))
    }

    fn spawn<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Unwrap(magpie_sched::spawn(future))
    }

    fn spawn_blocking<F, R>(func: F) -> Self::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Unwrap(magpie_sched::spawn_blocking(func))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        magpie_sched::yield_now()
    }

    fn oneshot<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        let (tx, rx) = oneshot::channel();
        (tx, Unwrap(rx))
    }

    fn send<T: Send + 'static>(tx: Self::Sender<T>, value: T) {
        let _ = tx.send(value);
    }
}
