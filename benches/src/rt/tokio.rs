//! [`BenchRuntime`] for tokio, the runtime magpie measures itself against.

use std::future::Future;

use ::tokio::runtime::{Builder, Handle, Runtime};
use ::tokio::sync::oneshot;

use super::{BenchRuntime, Unwrap};
use crate::workloads::{api, Routine, Workload};

/// Tokio's multi-thread runtime, configured as the magpie side is: `enable_all()` unless
/// [`super::set_drivers`] turned drivers off.
#[derive(Debug)]
pub struct Tokio(Runtime);

impl BenchRuntime for Tokio {
    const NAME: &'static str = "tokio";

    type Handle = Handle;
    type JoinHandle<T: Send + 'static> = Unwrap<::tokio::task::JoinHandle<T>>;
    type Sender<T: Send + 'static> = oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = Unwrap<oneshot::Receiver<T>>;

    fn build(workers: usize) -> Self {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(workers);
        if super::drivers() {
            builder.enable_all();
        }
        let rt = builder.build().expect("failed to build the tokio runtime");
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

    fn prepare_api(&self, workload: Workload) -> Routine<'_> {
        api::tokio::prepare(&self.0, workload)
    }
}
