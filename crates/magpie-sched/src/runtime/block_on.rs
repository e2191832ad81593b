//! Blocking the current thread on a future: poll, and sleep on a thread parker until woken.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::coop;
use crate::park::{Park, Parker, ParkerUnpark, Unpark};

struct ThreadWaker(ParkerUnpark);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static PARKER: (std::cell::RefCell<Parker>, Waker) = {
        let parker = Parker::new();
        let waker = Waker::from(Arc::new(ThreadWaker(parker.unpark())));
        (std::cell::RefCell::new(parker), waker)
    };
}

/// Runs `fut` to completion on this thread, sleeping between polls.
pub(crate) fn block_on_thread<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    PARKER.with(|(parker, waker)| {
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(out) = coop::budget(|| fut.as_mut().poll(&mut cx)) {
                return out;
            }
            // A nested block_on (from a blocking-pool closure inside a future we poll) has
            // its own parker borrowed already; fall back to a fresh one then.
            match parker.try_borrow_mut() {
                Ok(mut p) => p.park(),
                Err(_) => std::thread::yield_now(),
            }
        }
    })
}
