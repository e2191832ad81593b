//! The one place this crate hands blocking work (name lookups, file system calls) to
//! another thread, so no runtime worker ever blocks on it.
//!
//! Until the runtime's blocking pool is available here, each job runs on a thread of its
//! own; the result comes back through a one-shot slot that wakes the awaiting task.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

struct Slot<R> {
    result: Option<R>,
    waker: Option<Waker>,
    done: bool,
}

/// The result of a job started with [`run`].
pub(crate) struct Blocking<R> {
    slot: Arc<Mutex<Slot<R>>>,
}

/// Runs `f` off the async threads; the future resolves to its result.
pub(crate) fn run<F, R>(f: F) -> Blocking<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
        done: false,
    }));
    let theirs = slot.clone();
    let spawned = std::thread::Builder::new()
        .name("magpie-blocking".into())
        .spawn(move || {
            struct Finish<R>(Arc<Mutex<Slot<R>>>, Option<R>);
            impl<R> Drop for Finish<R> {
                fn drop(&mut self) {
                    let waker = {
                        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
                        s.result = self.1.take();
                        s.done = true;
                        s.waker.take()
                    };
                    if let Some(w) = waker {
                        w.wake();
                    }
                }
            }
            // The guard publishes even if `f` panics, so the awaiting task never hangs.
            let mut finish = Finish(theirs, None);
            finish.1 = Some(f());
        });
    if spawned.is_err() {
        slot.lock().unwrap_or_else(|p| p.into_inner()).done = true;
    }
    Blocking { slot }
}

impl<R> Future for Blocking<R> {
    type Output = io::Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let mut s = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if s.done {
            return Poll::Ready(s.result.take().ok_or_else(|| {
                io::Error::other("background task failed (panicked or could not start)")
            }));
        }
        match &s.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => s.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
