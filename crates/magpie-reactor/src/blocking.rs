//! The one place this crate hands blocking work (name lookups, file system calls) to
//! another thread, so no runtime worker ever blocks on it.
//!
//! Inside a Magpie runtime the work goes to its blocking pool. Outside one (a plain
//! reactor driven by hand, as in this crate's tests) each job gets a thread of its own,
//! with the result handed back through a one-shot slot.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use magpie_sched::runtime::Handle as RuntimeHandle;
use magpie_sched::task::JoinHandle;

/// The result of a job started with [`run`].
pub(crate) struct Blocking<R> {
    inner: Inner<R>,
}

enum Inner<R> {
    Pool(JoinHandle<R>),
    Thread(Arc<Mutex<Slot<R>>>),
}

struct Slot<R> {
    result: Option<R>,
    waker: Option<Waker>,
    done: bool,
}

/// Runs `f` off the async threads; the future resolves to its result.
pub(crate) fn run<F, R>(f: F) -> Blocking<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match RuntimeHandle::try_current() {
        Ok(rt) => Blocking {
            inner: Inner::Pool(rt.spawn_blocking(f)),
        },
        Err(no_runtime) => without_runtime(no_runtime, f),
    }
}

/// Like [`run`], but inside a runtime the job runs even if the runtime shuts down before
/// it starts: for file writes, which must not be silently dropped.
pub(crate) fn run_mandatory<F, R>(f: F) -> Blocking<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match RuntimeHandle::try_current() {
        Ok(rt) => Blocking {
            inner: Inner::Pool(rt.spawn_mandatory_blocking(f)),
        },
        Err(no_runtime) => without_runtime(no_runtime, f),
    }
}

/// Outside a runtime: only under a reactor driven by hand (this crate's tests) does the
/// job get a thread of its own; with neither, this panics with tokio's message, as
/// tokio's `fs` and name lookups do.
#[track_caller]
fn without_runtime<F, R>(no_runtime: magpie_sched::runtime::TryCurrentError, f: F) -> Blocking<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    if crate::driver::Handle::try_current().is_err() {
        panic!("{no_runtime}");
    }
    on_own_thread(f)
}

fn on_own_thread<F, R>(f: F) -> Blocking<R>
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
    Blocking {
        inner: Inner::Thread(slot),
    }
}

fn failed() -> io::Error {
    io::Error::other("background task failed")
}

impl<R> Future for Blocking<R> {
    type Output = io::Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        match &mut self.get_mut().inner {
            Inner::Pool(join) => Pin::new(join).poll(cx).map(|res| res.map_err(|_| failed())),
            Inner::Thread(slot) => {
                let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
                if s.done {
                    return Poll::Ready(s.result.take().ok_or_else(failed));
                }
                match &s.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => s.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn runs_on_the_runtime_pool_inside_a_runtime() {
        let rt = magpie_sched::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let name = rt.block_on(async {
            run(|| std::thread::current().name().map(str::to_owned))
                .await
                .unwrap()
        });
        assert_ne!(name.as_deref(), Some("magpie-blocking"));
    }

    #[test]
    fn panicking_job_is_an_error_not_a_hang() {
        let rt = magpie_sched::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            assert!(run::<_, ()>(|| panic!("boom")).await.is_err());
        });
        // Outside a runtime, under a reactor driven by hand: a thread of its own.
        let reactor = crate::driver::Reactor::new().unwrap();
        let _entered = reactor.handle().enter();
        let mut cx = Context::from_waker(Waker::noop());
        let mut job = Box::pin(run::<_, ()>(|| panic!("boom")));
        loop {
            if let Poll::Ready(res) = job.as_mut().poll(&mut cx) {
                assert!(res.is_err());
                break;
            }
            std::thread::yield_now();
        }
    }

    #[test]
    fn without_runtime_or_reactor_panics_with_tokios_message() {
        let err = std::panic::catch_unwind(|| run(|| ()))
            .err()
            .expect("no panic");
        let msg = err
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or_default();
        assert!(
            msg.starts_with(
                "there is no reactor running, must be called from the context of a Tokio 1.x \
                 runtime"
            ),
            "{msg}"
        );
    }
}
