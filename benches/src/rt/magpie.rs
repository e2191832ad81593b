//! [`BenchRuntime`] for magpie, through the `magpie` facade (the crate users depend on).
//!
//! The runtime is built as a user would build it, with `enable_all()` (unless
//! [`super::set_drivers`] turned drivers off): the I/O and time drivers sit under the
//! scheduler, and the facade installs the hooks that make `magpie::sync` spend the running
//! task's coop budget (as tokio's channels do).

use std::future::Future;

use ::magpie::runtime::{Builder, Handle, Runtime};
use ::magpie::sync::oneshot;

use super::{BenchRuntime, Unwrap};
use crate::workloads::{api, Routine, Workload};

/// Magpie's multi-thread runtime, with every driver enabled by default.
#[derive(Debug)]
pub struct Magpie(Runtime);

impl BenchRuntime for Magpie {
    const NAME: &'static str = "magpie";

    type Handle = Handle;
    type JoinHandle<T: Send + 'static> = Unwrap<::magpie::task::JoinHandle<T>>;
    type Sender<T: Send + 'static> = oneshot::Sender<T>;
    type Receiver<T: Send + 'static> = Unwrap<oneshot::Receiver<T>>;

    fn build(workers: usize) -> Self {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(workers);
        if super::drivers() {
            builder.enable_all();
        }
        let rt = builder.build().expect("failed to build the magpie runtime");
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
        Unwrap(::magpie::spawn(future))
    }

    fn spawn_blocking<F, R>(func: F) -> Self::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Unwrap(::magpie::task::spawn_blocking(func))
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        ::magpie::task::yield_now()
    }

    fn oneshot<T: Send + 'static>() -> (Self::Sender<T>, Self::Receiver<T>) {
        let (tx, rx) = oneshot::channel();
        (tx, Unwrap(rx))
    }

    fn send<T: Send + 'static>(tx: Self::Sender<T>, value: T) {
        let _ = tx.send(value);
    }

    fn prepare_api(&self, workload: Workload) -> Routine<'_> {
        api::magpie::prepare(&self.0, workload)
    }
}
