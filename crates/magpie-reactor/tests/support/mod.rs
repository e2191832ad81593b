//! A minimal executor for these tests: polls one future and parks on a `Reactor` (with its
//! handle entered) between polls. The facade runs the same code on the real runtime.

#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use magpie_reactor::{Reactor, ReactorUnpark};
use magpie_sched::park::{Park, Unpark};

struct Flag {
    woken: AtomicBool,
    unpark: ReactorUnpark,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.unpark.unpark();
    }
}

/// A fresh reactor: the platform's default backend, or the portable `polling` one when
/// `MAGPIE_REACTOR_BACKEND=polling` (to run the suites against both).
pub fn reactor() -> Reactor {
    match std::env::var("MAGPIE_REACTOR_BACKEND").as_deref() {
        Ok("polling") => Reactor::with_polling_backend().expect("reactor"),
        _ => Reactor::new().expect("reactor"),
    }
}

/// Runs `fut` to completion on a fresh reactor.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut reactor = reactor();
    block_on_with(&mut reactor, fut)
}

/// Runs `fut` to completion on `reactor`.
pub fn block_on_with<F: Future>(reactor: &mut Reactor, fut: F) -> F::Output {
    let _guard = reactor.handle().enter();
    let flag = Arc::new(Flag {
        woken: AtomicBool::new(true),
        unpark: reactor.unpark(),
    });
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if flag.woken.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
        }
        if !flag.woken.load(Ordering::SeqCst) {
            reactor.park();
        } else {
            reactor.park_timeout(std::time::Duration::ZERO);
        }
    }
}

/// Polls `fut` once with a no-op waker (to get it registered as a waiter).
pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    std::pin::Pin::new(fut).poll(&mut cx)
}

/// Runs `f` on its own thread and fails the test, naming `what`, if it has not finished
/// within a minute: a lost wake-up then fails the suite instead of hanging it.
pub fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let out = f();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => worker.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("{what}: stuck"),
    }
}

/// The message of a caught panic.
pub fn panic_message(err: Box<dyn std::any::Any + Send>) -> String {
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
