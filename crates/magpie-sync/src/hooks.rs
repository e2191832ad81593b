//! Seams through which a runtime plugs its services into these runtime-agnostic primitives.
//!
//! magpie-sync depends on no runtime, yet three things need one:
//!
//! * **cooperative budgeting**: channel and lock operations spend a unit of the running
//!   task's budget, so a task that always finds a message waiting still yields now and then;
//! * **a timer** for [`mpsc::Sender::send_timeout`](crate::mpsc::Sender::send_timeout);
//! * **"am I on a runtime thread?"**, so `blocking_*` methods panic instead of deadlocking a
//!   worker.
//!
//! A runtime installs each hook once at start-up (magpie's facade does it when a runtime is
//! built). With no hook installed, budgeting is a no-op, `send_timeout` panics saying it needs
//! a timer, and no thread counts as a runtime thread. Reading a hook costs one atomic load.
//!
//! # Installing magpie's budget
//!
//! The check and the spending are separate hooks, so an operation that ends up `Pending`
//! spends nothing. With `magpie_sched::coop` they are:
//!
//! ```
//! use std::task::{Context, Poll, Waker};
//! use magpie_sync::hooks::{self, CoopHooks};
//!
//! fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
//!     // magpie: `if coop::has_budget_remaining() { Ready(()) }
//!     //          else { coop::defer(cx.waker()); Pending }`
//!     let _ = cx;
//!     Poll::Ready(())
//! }
//!
//! fn made_progress() {
//!     // magpie: spend one unit:
//!     // `if let Poll::Ready(r) = coop::poll_proceed(&mut Context::from_waker(Waker::noop()))
//!     //  { r.made_progress() }`
//! }
//!
//! hooks::set_coop_hooks(CoopHooks { poll_proceed, made_progress });
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// The cooperative-budget hooks a runtime installs with [`set_coop_hooks`].
///
/// Before an operation, `poll_proceed` asks whether the current task may go on; once the
/// operation completed (returned `Ready`), `made_progress` spends one unit. An operation
/// that returns `Pending` spends nothing.
#[derive(Clone, Copy, Debug)]
pub struct CoopHooks {
    /// Returns `Ready` if the current task has budget left; otherwise arranges for `cx`'s
    /// task to be woken again (as a yield) and returns `Pending`. Spends nothing.
    pub poll_proceed: fn(&mut Context<'_>) -> Poll<()>,
    /// Spends one unit of the current task's budget.
    pub made_progress: fn(),
}

/// A future that completes after a delay; what the sleep hook returns.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A once-installed, never-freed hook value, read with a single atomic load.
struct Hook<T: 'static>(AtomicPtr<T>);

impl<T: 'static> Hook<T> {
    const fn new() -> Hook<T> {
        Hook(AtomicPtr::new(std::ptr::null_mut()))
    }

    fn set(&self, value: T) {
        // Leaked on purpose: readers hold `&'static T` without any reference count, and a
        // runtime installs its hooks once, so at most a few words are ever leaked.
        let ptr = Box::into_raw(Box::new(value));
        self.0.store(ptr, Ordering::Release);
    }

    #[inline(always)]
    fn get(&self) -> Option<&'static T> {
        let ptr = self.0.load(Ordering::Acquire);
        // SAFETY: a non-null pointer came from `Box::into_raw` in `set` and is never freed,
        // so it is valid for `'static`; the Acquire load pairs with `set`'s Release store.
        unsafe { ptr.as_ref() }
    }
}

static COOP: Hook<CoopHooks> = Hook::new();
static SLEEP: Hook<fn(Duration) -> Sleep> = Hook::new();
static RUNTIME_CHECK: Hook<fn() -> bool> = Hook::new();

/// Installs the cooperative-budget hooks used where tokio budgets: channel receives
/// (`mpsc`, `oneshot`, `broadcast`, `watch::Receiver::changed`), bounded sends, and lock
/// and semaphore acquisitions (`Notify` alone does not budget, as in tokio). A later call
/// replaces the earlier hooks.
pub fn set_coop_hooks(hooks: CoopHooks) {
    COOP.set(hooks);
}

/// Installs the timer [`mpsc::Sender::send_timeout`](crate::mpsc::Sender::send_timeout)
/// uses: `sleep(d)` returns a future completing after `d`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use magpie_sync::hooks::{self, Sleep};
///
/// fn sleep(d: Duration) -> Sleep {
///     Box::pin(async move {
///         // a runtime's timer goes here
///         let _ = d;
///     })
/// }
/// hooks::set_sleep_hook(sleep);
/// ```
pub fn set_sleep_hook(sleep: fn(Duration) -> Sleep) {
    SLEEP.set(sleep);
}

/// Installs the check telling whether the current thread drives asynchronous tasks; the
/// `blocking_*` methods panic on such a thread.
pub fn set_runtime_check(check: fn() -> bool) {
    RUNTIME_CHECK.set(check);
}

/// Permission to proceed from [`poll_proceed`]; [`made_progress`](Self::made_progress)
/// spends the unit once the operation completed. Dropping it spends nothing.
#[must_use = "call `made_progress` once the operation completes"]
pub(crate) struct Proceed(Option<fn()>);

impl Proceed {
    #[inline(always)]
    pub(crate) fn made_progress(self) {
        if let Some(spend) = self.0 {
            spend();
        }
    }
}

/// Checks the current task's budget (always `Ready` without hooks).
#[inline(always)]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<Proceed> {
    match COOP.get() {
        None => Poll::Ready(Proceed(None)),
        Some(hooks) => (hooks.poll_proceed)(cx).map(|()| Proceed(Some(hooks.made_progress))),
    }
}

/// Returns a future sleeping for `duration`, or panics if no timer is installed.
pub(crate) fn sleep(duration: Duration) -> SyncSleep {
    match SLEEP.get() {
        Some(sleep) => SyncSleep(sleep(duration)),
        // tokio's words first (code moving from tokio may match on them), then the fix.
        None => panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x \
             runtime (`send_timeout` needs a timer, and none is installed: run it on a magpie \
             runtime, or install one with `magpie_sync::hooks::set_sleep_hook`)"
        ),
    }
}

/// A [`Sleep`] that is `Sync`, so that futures holding one (`send_timeout`'s) are `Sync`
/// like tokio's. It can only be polled through `&mut`, never reached through `&`.
pub(crate) struct SyncSleep(Sleep);

// SAFETY: `Sync` lets other threads hold `&SyncSleep`, and no method takes `&self`: the
// inner future is reachable only through `&mut SyncSleep` (`poll`), which is exclusive, so
// shared references can never touch the non-`Sync` future.
unsafe impl Sync for SyncSleep {}

impl SyncSleep {
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

/// Panics, as tokio does, when the current thread drives asynchronous tasks.
#[track_caller]
pub(crate) fn assert_can_block() {
    if RUNTIME_CHECK.get().is_some_and(|check| check()) {
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks."
        );
    }
}

/// Wraps a future so that each poll first checks the task's budget and a completed poll
/// spends one unit: an operation that keeps finding its answer ready (an always-changed
/// `watch`, a closed channel) still yields to the scheduler now and then.
pub(crate) fn cooperative<F: Future>(fut: F) -> Cooperative<F> {
    Cooperative(fut)
}

/// The future [`cooperative`] returns.
pub(crate) struct Cooperative<F>(F);

impl<F: Future> Future for Cooperative<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let proceed = std::task::ready!(poll_proceed(cx));
        // SAFETY: structural pinning of the only field; `Cooperative` never moves it out
        // and has no `Drop` or `Unpin` impl that could.
        let fut = unsafe { self.map_unchecked_mut(|c| &mut c.0) };
        let out = std::task::ready!(fut.poll(cx));
        proceed.made_progress();
        Poll::Ready(out)
    }
}
