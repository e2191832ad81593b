//! How an idle worker sleeps: on the shared driver stack if it can take it, otherwise on
//! its own condition variable.
//!
//! Only one worker at a time owns the driver (timers and sockets are serviced by whoever
//! parked there); the others sleep on a condvar. Each worker's [`Unparker`] knows which of
//! the two its worker is blocked in and wakes it the right way; a wake that comes before the
//! park leaves a token, so it is never lost.

use std::time::Duration;

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, Condvar, Mutex};
// The driver stack and its `Unpark` handle are shared through std's `Arc` even under loom:
// `BoxPark` is public API built on it (see `park.rs`).
use crate::park::{BoxPark, Unpark};
use std::sync::Arc as StdArc;

const EMPTY: usize = 0;
const PARKED_CONDVAR: usize = 1;
const PARKED_DRIVER: usize = 2;
const NOTIFIED: usize = 3;

/// The driver stack shared by all workers of one runtime.
pub(crate) struct SharedDriver {
    driver: Mutex<Option<BoxPark>>,
    unpark: StdArc<dyn Unpark>,
}

impl SharedDriver {
    pub(crate) fn new(driver: BoxPark) -> SharedDriver {
        let unpark = driver.unpark();
        SharedDriver {
            driver: Mutex::new(Some(driver)),
            unpark,
        }
    }

    /// Polls the driver's ready events without sleeping, if no one else holds it.
    pub(crate) fn poll_events(&self) -> bool {
        match self.driver.try_lock() {
            Some(mut guard) => {
                if let Some(driver) = guard.as_mut() {
                    driver.park_timeout(Duration::ZERO);
                }
                true
            }
            None => false,
        }
    }

    /// Shuts the driver down (wakes every timer and socket waiter). Called once, by the
    /// last worker to stop.
    pub(crate) fn shutdown(&self) {
        if let Some(mut driver) = self.driver.lock().take() {
            driver.shutdown();
        }
    }

    pub(crate) fn unpark(&self) {
        self.unpark.unpark();
    }
}

/// One worker's sleeping place.
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// Wakes one worker.
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
    shared: StdArc<SharedDriver>,
}

impl Parker {
    pub(crate) fn new(shared: StdArc<SharedDriver>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                cvar: Condvar::new(),
                shared,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Sleeps until unparked (or spuriously), or for at most `timeout`. (The loom models'
    /// entry point; the worker loop uses `park_watching`.)
    #[cfg(loom)]
    pub(crate) fn park(&mut self, timeout: Option<Duration>) {
        self.park_watching(timeout, None);
    }

    /// As [`park`](Self::park); if this worker gets the driver, it also wakes after `watch`
    /// to look over the busy workers. Returns `true` if it slept on the driver with `watch`.
    pub(crate) fn park_watching(
        &mut self,
        timeout: Option<Duration>,
        watch: Option<Duration>,
    ) -> bool {
        let inner = &self.inner;
        // A token may already be here; spin a little before paying for a sleep.
        for _ in 0..3 {
            if inner
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return false;
            }
            crate::loom::spin_loop();
        }
        if let Some(mut driver) = inner.shared.driver.try_lock() {
            if let Some(driver) = driver.as_mut() {
                let timeout = match (timeout, watch) {
                    (Some(t), Some(w)) => Some(t.min(w)),
                    (t, w) => t.or(w),
                };
                inner.park_driver(driver, timeout);
                return watch.is_some();
            }
        }
        inner.park_condvar(timeout);
        false
    }

    /// Shuts the shared driver down (the last worker calls this).
    pub(crate) fn shutdown_driver(&self) {
        self.inner.shared.shutdown();
    }
}

impl Inner {
    fn park_driver(&self, driver: &mut BoxPark, timeout: Option<Duration>) {
        match self
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, SeqCst);
                return;
            }
            Err(actual) => panic!("inconsistent worker park state: {actual}"),
        }
        match timeout {
            Some(t) => driver.park_timeout(t),
            None => driver.park(),
        }
        // Whether a token came or not, we are awake now.
        self.state.swap(EMPTY, SeqCst);
    }

    fn park_condvar(&self, timeout: Option<Duration>) {
        let mut guard = self.lock.lock();
        match self
            .state
            .compare_exchange(EMPTY, PARKED_CONDVAR, SeqCst, SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, SeqCst);
                return;
            }
            Err(actual) => panic!("inconsistent worker park state: {actual}"),
        }
        match timeout {
            None => loop {
                guard = self.cvar.wait(guard);
                if self
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                    .is_ok()
                {
                    return;
                }
            },
            Some(t) => {
                let _guard = self.cvar.wait_timeout(guard, t);
                self.state.swap(EMPTY, SeqCst);
            }
        }
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        let inner = &self.inner;
        match inner.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_CONDVAR => {
                // Taking the lock orders this notify after the sleeper's wait began.
                drop(inner.lock.lock());
                inner.cvar.notify_one();
            }
            PARKED_DRIVER => inner.shared.unpark(),
            actual => panic!("inconsistent worker park state: {actual}"),
        }
    }
}
