//! The driver seam: how a worker with nothing to do goes to sleep, and how it is woken.
//!
//! Every driver in the stack implements [`Park`]. The plain [`Parker`] here sleeps on a
//! condition variable; the reactor sleeps in the OS poller; the timer driver wraps any inner
//! `Park` and shortens the sleep to the next deadline, so the runtime's stack is
//! `Timer<Reactor>` (or any sub-stack when a driver is disabled). The scheduler only ever
//! sees a [`BoxPark`], so the stack's concrete type does not leak into it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Condvar, Mutex};

/// A driver a thread can block on until it is unparked or a timeout elapses.
///
/// `park` may return spuriously: callers re-check their condition in a loop. An
/// [`Unpark::unpark`] that happens before `park` is called is not lost: the next `park`
/// returns at once.
pub trait Park {
    /// The handle other threads use to wake a thread parked on this driver.
    type Unpark: Unpark;

    /// Returns a handle that unparks this driver.
    fn unpark(&self) -> Self::Unpark;

    /// Blocks until unparked (or spuriously), processing the driver's events.
    fn park(&mut self);

    /// Blocks for at most `duration`, processing the driver's events. A zero duration
    /// polls the driver's events without sleeping.
    fn park_timeout(&mut self, duration: Duration);

    /// Releases every resource waiting on this driver (wakes timers and sockets so their
    /// futures observe the shutdown). Called once, when the runtime shuts down.
    fn shutdown(&mut self) {}
}

/// Wakes a thread parked on a [`Park`] driver.
pub trait Unpark: Send + Sync + 'static {
    /// Unparks the driver; if it is not parked, its next park returns at once.
    fn unpark(&self);
}

impl<U: Unpark + ?Sized> Unpark for Arc<U> {
    fn unpark(&self) {
        (**self).unpark()
    }
}

impl<U: Unpark + ?Sized> Unpark for Box<U> {
    fn unpark(&self) {
        (**self).unpark()
    }
}

/// A type-erased driver stack, as the scheduler holds it.
pub type BoxPark = Box<dyn Park<Unpark = Arc<dyn Unpark>> + Send>;

/// Erases a driver's concrete type into a [`BoxPark`].
///
/// # Examples
///
/// ```
/// use magpie_sched::park::{boxed, Parker};
/// let driver = boxed(Parker::new());
/// # drop(driver);
/// ```
pub fn boxed<P>(park: P) -> BoxPark
where
    P: Park + Send + 'static,
{
    Box::new(Erased(park))
}

struct Erased<P>(P);

impl<P: Park> Park for Erased<P> {
    type Unpark = Arc<dyn Unpark>;

    fn unpark(&self) -> Self::Unpark {
        Arc::new(self.0.unpark())
    }
    fn park(&mut self) {
        self.0.park()
    }
    fn park_timeout(&mut self, duration: Duration) {
        self.0.park_timeout(duration)
    }
    fn shutdown(&mut self) {
        self.0.shutdown()
    }
}

impl<P: Park + ?Sized> Park for Box<P> {
    type Unpark = P::Unpark;

    fn unpark(&self) -> Self::Unpark {
        (**self).unpark()
    }
    fn park(&mut self) {
        (**self).park()
    }
    fn park_timeout(&mut self, duration: Duration) {
        (**self).park_timeout(duration)
    }
    fn shutdown(&mut self) {
        (**self).shutdown()
    }
}

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// The driver with no events: a condition variable with a wake-up token.
///
/// It is the bottom of the stack when I/O is disabled, and what worker threads that do not
/// hold the driver sleep on.
pub struct Parker {
    inner: Arc<Inner>,
}

/// Unparks a [`Parker`].
#[derive(Clone)]
pub struct ParkerUnpark {
    inner: Arc<Inner>,
}

struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
}

impl Parker {
    /// Creates a parker with no pending token.
    pub fn new() -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                cvar: Condvar::new(),
            }),
        }
    }
}

impl Default for Parker {
    fn default() -> Self {
        Parker::new()
    }
}

impl fmt::Debug for Parker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parker").finish_non_exhaustive()
    }
}

impl Park for Parker {
    type Unpark = ParkerUnpark;

    fn unpark(&self) -> ParkerUnpark {
        ParkerUnpark {
            inner: self.inner.clone(),
        }
    }

    fn park(&mut self) {
        self.inner.park(None)
    }

    fn park_timeout(&mut self, duration: Duration) {
        self.inner.park(Some(duration))
    }
}

impl Unpark for ParkerUnpark {
    fn unpark(&self) {
        self.inner.unpark()
    }
}

impl Inner {
    fn park(&self, timeout: Option<Duration>) {
        // Fast path: a token is already there.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        let mut guard = self.lock.lock();
        match self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // The token arrived while we took the lock: consume it.
                self.state.swap(EMPTY, Ordering::SeqCst);
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        match timeout {
            None => loop {
                guard = self.cvar.wait(guard);
                if self
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    return;
                }
                // Spurious wake-up: sleep again.
            },
            Some(duration) => {
                guard = self.cvar.wait_timeout(guard, duration);
                drop(guard);
                // Either a token or the timeout: leave the state empty in both cases.
                self.state.swap(EMPTY, Ordering::SeqCst);
            }
        }
    }

    fn unpark(&self) {
        match self.state.swap(NOTIFIED, Ordering::SeqCst) {
            EMPTY | NOTIFIED => return,
            PARKED => {}
            actual => panic!("inconsistent state in unpark: {actual}"),
        }
        // The parked thread holds the lock until it waits on the condvar; taking the lock
        // here orders our notify after its wait, so the notification is not lost.
        drop(self.lock.lock());
        self.cvar.notify_one();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn token_before_park_is_kept() {
        let mut p = Parker::new();
        p.unpark().unpark();
        p.park(); // returns at once
        p.park_timeout(Duration::from_millis(1));
    }

    #[test]
    fn unpark_from_other_thread() {
        let mut p = Parker::new();
        let u = p.unpark();
        let t = std::thread::spawn(move || u.unpark());
        p.park();
        t.join().unwrap();
    }

    #[test]
    fn boxed_stack_forwards() {
        let mut p = boxed(Parker::new());
        p.unpark().unpark();
        p.park();
    }
}
