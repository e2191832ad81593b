//! [`BenchRuntime`] for magpie's scheduler (`magpie_sched`) and channels (`magpie_sync`).
//!
//! The benches talk to `magpie_sched` directly: it is the runtime the `magpie` facade
//! re-exports, and going straight to it keeps the benches independent of the facade's wiring.
//! What the facade adds on top that the scheduler workloads can feel is installed here the
//! same way: the coop-budget hooks through which `magpie_sync`'s channels spend the running
//! task's budget (tokio's oneshot does the same), and the runtime-thread check.

use std::future::Future;
use std::sync::Once;

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
        install_hooks();
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

/// Connects `magpie_sync` to the scheduler's coop budget once per process, as the `magpie`
/// facade does when it builds a runtime.
fn install_hooks() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        magpie_sync::hooks::set_coop_hooks(magpie_sync::hooks::CoopHooks {
            poll_proceed: magpie_sched::coop::check,
            made_progress: magpie_sched::coop::spend,
        });
        magpie_sync::hooks::set_runtime_check(magpie_sched::context::is_runtime_entered);
    });
}
