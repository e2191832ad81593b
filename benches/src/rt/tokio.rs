//! [`BenchRuntime`] for tokio, the runtime magpie measures itself against.

use std::future::Future;

use ::tokio::runtime::{Builder, Handle, Runtime};
use ::tokio::sync::oneshot;

use super::{BenchRuntime, Unwrap};

/// Tokio's multi-thread runtime, built without its I/O and time drivers so that both sides
/// park the same way (on a condition variable) and only the schedulers are compared.
#[derive(Debug)]
pub struct Tokio(Runtime);

impl BenchRuntime for Tokio {
    const NAME: &'static str = "tokio";

    type Handle = Handle;
    type JoinHandle<T: Send + 'static> = Unwrap<::tokio::task::JoinHandle<T>>;
    type Sender<T: Send + 'static> = oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = Unwrap<oneshot::Receiver<T>>;

    fn build(workers: usize) -> Self {
        let rt = Builder::new_multi_thread()
            .worker_threads(workers)
            .build()
            .expect("failed to build the tokio runtime");
        Tokio(rt)
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
        Unwrap(::tokio::spawn(future))
    }

    fn spawn_blocking<F, R>(func: F) -> Self::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Unwrap(::tokio::task::spawn_blocking(func))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        ::tokio::task::yield_now()
    }

    fn oneshot<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        let (tx, rx) = oneshot::channel();
        (tx, Unwrap(rx))
    }

    fn send<T: Send + 'static>(tx: Self::Sender<T>, value: T) {
        let _ = tx.send(value);
    }
}
