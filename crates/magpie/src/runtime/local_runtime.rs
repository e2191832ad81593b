//! `LocalRuntime`: tokio's single-threaded runtime that can also run `!Send` tasks.
//!
//! It is a current-thread [`Runtime`] paired with a [`LocalSet`]: `block_on` runs the
//! set's tasks while it drives the future, so `task::spawn_local` works anywhere inside,
//! and [`LocalRuntime::spawn_local`] queues a task from outside (it runs at the next
//! `block_on`). Send tasks spawned through its [`Handle`] (from any thread) run on the same
//! thread. tokio-util's `LocalPoolHandle` builds its worker threads on it.

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

use super::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics};
use crate::task::{JoinHandle, LocalSet};

/// Options for [`Builder::build_local`]: none yet, as in tokio.
#[derive(Default, Debug)]
#[non_exhaustive]
pub struct LocalOptions {
    _not_send: PhantomData<*mut u8>,
}

/// A current-thread runtime that runs `!Send` futures: tokio's `runtime::LocalRuntime`.
///
/// It is itself `!Send`: it stays on the thread that built it.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use magpie::runtime::LocalRuntime;
///
/// let rt = LocalRuntime::new().unwrap();
/// let shared = Rc::new(5);
/// let early = rt.spawn_local({
///     let shared = shared.clone();
///     async move { *shared * 2 }
/// });
/// let n = rt.block_on(async move {
///     let later = magpie::task::spawn_local(async move { *shared + 1 });
///     early.await.unwrap() + later.await.unwrap()
/// });
/// assert_eq!(n, 16);
/// ```
pub struct LocalRuntime {
    // Declared first: the set's tasks are dropped while the runtime (and its drivers) are
    // still alive.
    local: LocalSet,
    rt: Runtime,
    _not_send: PhantomData<*mut u8>,
}

impl LocalRuntime {
    /// A local runtime with every driver enabled
    /// (`Builder::new_current_thread().enable_all().build_local(Default::default())`).
    pub fn new() -> io::Result<LocalRuntime> {
        Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
    }

    /// The handle of the underlying runtime: spawns `Send` tasks onto this thread.
    pub fn handle(&self) -> &Handle {
        self.rt.handle()
    }

    /// Spawns a `!Send` future; it runs while this runtime's `block_on` runs.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.spawn_local(future)
    }

    /// Runs a blocking closure on the runtime's blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt.spawn_blocking(func)
    }

    /// Runs `future` to completion on this thread, running the local tasks meanwhile.
    ///
    /// # Panics
    ///
    /// Panics if called from inside a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.local.block_on(&self.rt, future)
    }

    /// Makes the runtime current (for `tokio::spawn`, sockets, timers) until the guard drops.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.rt.enter()
    }

    /// Drops the local tasks, then shuts the runtime down, waiting at most `duration` for
    /// its blocking tasks.
    pub fn shutdown_timeout(self, duration: Duration) {
        let LocalRuntime { local, rt, .. } = self;
        drop(local);
        rt.shutdown_timeout(duration);
    }

    /// Drops the local tasks and shuts the runtime down without waiting for blocking tasks.
    pub fn shutdown_background(self) {
        let LocalRuntime { local, rt, .. } = self;
        drop(local);
        rt.shutdown_background();
    }

    /// The runtime's metrics.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.rt.metrics()
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime").finish_non_exhaustive()
    }
}

impl Builder {
    /// Builds a [`LocalRuntime`]: a current-thread runtime that can run `!Send` tasks.
    ///
    /// # Panics
    ///
    /// Panics on a builder from `new_multi_thread()`, as tokio does.
    ///
    /// # Examples
    ///
    /// ```
    /// use magpie::runtime::{Builder, LocalOptions};
    ///
    /// let rt = Builder::new_current_thread().build_local(LocalOptions::default()).unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// ```
    #[track_caller]
    pub fn build_local(&mut self, _options: LocalOptions) -> io::Result<LocalRuntime> {
        assert!(
            !self.multi_thread,
            "multi_thread is not supported for LocalRuntime: use `Builder::new_current_thread()`"
        );
        let rt = self.build()?;
        let local = LocalSet::new();
        // `spawn_local` under `enter()` (or from a Send task's poll on this thread) lands
        // in the set; from another thread in this runtime's context it panics.
        local.bind_to_runtime(rt.handle());
        Ok(LocalRuntime {
            local,
            rt,
            _not_send: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn handle_spawns_from_another_thread_run_in_block_on() {
        let rt = LocalRuntime::new().unwrap();
        let handle = rt.handle().clone();
        let from_thread = std::thread::spawn(move || handle.spawn(async { 7 }))
            .join()
            .unwrap();
        let not_send = Rc::new(3);
        let v = rt.block_on(async move {
            let local = crate::task::spawn_local(async move { *not_send });
            from_thread.await.unwrap() + local.await.unwrap()
        });
        assert_eq!(v, 10);
    }

    #[test]
    fn shutdown_drops_pending_local_tasks() {
        struct Flag(Rc<std::cell::Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let dropped = Rc::new(std::cell::Cell::new(false));
        let rt = LocalRuntime::new().unwrap();
        let flag = Flag(dropped.clone());
        let h = rt.spawn_local(async move {
            let _flag = flag;
            std::future::pending::<()>().await;
        });
        rt.block_on(crate::task::yield_now());
        assert!(!h.is_finished());
        rt.shutdown_timeout(Duration::from_secs(1));
        assert!(dropped.get());
    }

    #[test]
    #[should_panic(expected = "multi_thread is not supported for LocalRuntime")]
    fn multi_thread_builder_panics() {
        let _ = Builder::new_multi_thread().build_local(LocalOptions::default());
    }
}
