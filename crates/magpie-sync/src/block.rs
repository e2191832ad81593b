//! Driving one future to completion on the calling thread, for the `blocking_*` methods.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    /// One waker per thread, so a `blocking_*` call in a loop allocates nothing.
    static WAKER: Waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
}

/// Blocks the current thread until `fut` completes; panics on a runtime thread.
#[track_caller]
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    crate::hooks::assert_can_block();
    let mut fut = pin!(fut);
    let waker = WAKER
        .try_with(Waker::clone)
        .unwrap_or_else(|_| Waker::from(Arc::new(ThreadWaker(thread::current()))));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        // Spurious unparks only cost one more poll.
        thread::park();
    }
}
