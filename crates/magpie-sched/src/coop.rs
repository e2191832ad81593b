//! Cooperative scheduling: a budget of operations per task poll.
//!
//! A task that loops over always-ready resources (a channel with messages queued, a socket
//! with data) would never return to the scheduler. Each task poll therefore gets a budget of
//! [`BUDGET`] units; every magpie resource spends one unit per operation through
//! [`poll_proceed`], and once the budget is spent the resource returns `Pending` (after
//! arranging for the task to be woken), so the task yields to its peers. Outside a magpie
//! task the budget is unconstrained and nothing ever yields.
//!
//! The budget and the list of deferred wake-ups live in thread-locals that the scheduler sets
//! around each poll; this module does not know which scheduler runs it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use std::ptr::NonNull;

use crate::task::{Header, RawTask};

/// Units of budget a task gets for one poll, as in tokio.
pub const BUDGET: u8 = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Budget(Option<u8>);

thread_local! {
    static CURRENT: Cell<Budget> = const { Cell::new(Budget(None)) };
    static DEFER: RefCell<Option<Vec<Deferred>>> = const { RefCell::new(None) };
}

/// A deferred wake-up.
enum Deferred {
    Waker(Waker),
    /// A task that yielded its own waker: the harness parked it here as a notification (it
    /// holds `NOTIFIED` and the poll's reference), so releasing it is scheduling it.
    Task(DeferredTask),
}

/// A notification's reference to a task, untyped; dropped unscheduled (only if a wake
/// panicked half way through a drain), it releases the reference like a dropped waker.
struct DeferredTask(RawTask);

impl Drop for DeferredTask {
    fn drop(&mut self) {
        self.0.drop_reference();
    }
}

impl Deferred {
    fn wake(self) {
        match self {
            Deferred::Waker(waker) => waker.wake(),
            Deferred::Task(task) => {
                let raw = task.0;
                std::mem::forget(task);
                raw.schedule();
            }
        }
    }

    fn will_wake(&self, waker: &Waker) -> bool {
        match self {
            Deferred::Waker(w) => w.will_wake(waker),
            Deferred::Task(_) => false,
        }
    }
}

struct ResetBudget(Budget);

impl Drop for ResetBudget {
    fn drop(&mut self) {
        let prev = self.0;
        let _ = CURRENT.try_with(|c| c.set(prev));
    }
}

fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    // Thread-local destruction (a runtime dropped from a thread-local): no budget at all.
    let prev = CURRENT
        .try_with(|c| c.replace(budget))
        .unwrap_or(Budget(None));
    let _reset = ResetBudget(prev);
    f()
}

/// Runs `f` with a fresh budget. The scheduler wraps every task poll in this.
#[inline]
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget(Some(BUDGET)), f)
}

/// Gives the current scope a full budget again: the scheduler calls this between two
/// tasks polled in one [`budget`] scope.
#[inline]
pub(crate) fn refill_budget() {
    let _ = CURRENT.try_with(|c| c.set(Budget(Some(BUDGET))));
}

/// Runs `f` with no budget limit (what [`unconstrained`] does for each poll).
#[inline]
pub fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget(None), f)
}

/// Returns `true` if the current task has budget left (always `true` outside a task).
///
/// # Examples
///
/// ```
/// assert!(magpie_sched::coop::has_budget_remaining());
/// ```
pub fn has_budget_remaining() -> bool {
    CURRENT
        .try_with(|c| c.get().0.is_none_or(|n| n > 0))
        .unwrap_or(true)
}

/// Restores the unit a resource spent if the operation ends up `Pending`.
///
/// Returned by [`poll_proceed`]; call [`made_progress`](RestoreOnPending::made_progress)
/// once the operation has done its work, so the unit stays spent.
#[derive(Debug)]
#[must_use = "dropping this restores the budget unit at once"]
// `!Send` and `!Sync` (it restores this thread's budget), as tokio's.
pub struct RestoreOnPending(Cell<Option<u8>>, PhantomData<*const ()>);

impl RestoreOnPending {
    /// Marks that the operation did its work: the spent unit is not given back.
    pub fn made_progress(&self) {
        self.0.set(None);
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if let Some(n) = self.0.get() {
            let _ = CURRENT.try_with(|c| c.set(Budget(Some(n))));
        }
    }
}

/// Spends one unit of the current task's budget.
///
/// Returns `Pending` (and schedules the task to be polled again after its peers) when the
/// budget is spent. A resource calls this before doing its work and calls
/// [`RestoreOnPending::made_progress`] once it returns `Ready`.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let budget = CURRENT.try_with(|c| c.get()).unwrap_or(Budget(None));
    match budget.0 {
        None => Poll::Ready(RestoreOnPending(Cell::new(None), PhantomData)),
        Some(0) => {
            defer(cx.waker());
            Poll::Pending
        }
        Some(n) => {
            let _ = CURRENT.try_with(|c| c.set(Budget(Some(n - 1))));
            Poll::Ready(RestoreOnPending(Cell::new(Some(n)), PhantomData))
        }
    }
}

/// Checks the budget without spending it: `Pending` (with the task scheduled to run again
/// after its peers) when it is spent. Pair with [`spend`] once the operation completed.
#[inline]
pub fn check(cx: &mut Context<'_>) -> Poll<()> {
    match CURRENT.try_with(|c| c.get()).unwrap_or(Budget(None)).0 {
        Some(0) => {
            defer(cx.waker());
            Poll::Pending
        }
        _ => Poll::Ready(()),
    }
}

/// Spends one unit of the current task's budget (nothing outside a task).
#[inline]
pub fn spend() {
    let _ = CURRENT.try_with(|c| {
        if let Budget(Some(n)) = c.get() {
            c.set(Budget(Some(n.saturating_sub(1))));
        }
    });
}

/// Wakes `waker` after the current poll returns, as a yield (to the back of the queue).
///
/// Outside a scheduler that collects deferred wake-ups, wakes at once.
#[inline]
pub fn defer(waker: &Waker) {
    // The polled task deferring itself (a `yield_now`) is handed to its scheduler's list of
    // yielded tasks by its harness when the poll returns, without a waker clone and a wake
    // (and queued at once where nothing collects, as a wake now would).
    if !crate::task::defer_self(waker) {
        defer_waker(waker);
    }
}

/// [`defer`] for any other waker: it joins the thread's defer list.
#[inline(never)]
fn defer_waker(waker: &Waker) {
    let deferred = DEFER
        .try_with(|d| match d.borrow_mut().as_mut() {
            Some(list) => {
                // Only the last entry is checked: a task that yields in a loop defers the
                // same waker back to back, and a full scan would be quadratic.
                if !list.last().is_some_and(|w| w.will_wake(waker)) {
                    list.push(Deferred::Waker(waker.clone()));
                }
                true
            }
            None => false,
        })
        .unwrap_or(false);
    if !deferred {
        waker.wake_by_ref();
    }
}

/// Parks a task that yielded itself (see [`defer`]) in the defer list. `task` carries a
/// notification's reference; it is handed back if no list collects on this thread.
pub(crate) fn defer_task(task: NonNull<Header>) -> Result<(), NonNull<Header>> {
    DEFER
        .try_with(|d| match d.borrow_mut().as_mut() {
            Some(list) => {
                // SAFETY: the caller hands over a notification's reference to a live task.
                let raw = unsafe { RawTask::from_raw(task) };
                list.push(Deferred::Task(DeferredTask(raw)));
                Ok(())
            }
            None => Err(task),
        })
        .unwrap_or(Err(task))
}

/// Collects deferred wake-ups while `f` runs (the scheduler wraps its run loop in this).
/// Returns `f`'s result; the scheduler drains the list with [`wake_deferred`].
pub fn with_defer<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(Option<Vec<Deferred>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let prev = self.0.take();
            let _ = DEFER.try_with(|d| {
                if let Some(list) = d.replace(prev) {
                    list.into_iter().for_each(Deferred::wake);
                }
            });
        }
    }
    let prev = DEFER
        .try_with(|d| d.replace(Some(Vec::new())))
        .unwrap_or(None);
    let _reset = Reset(prev);
    f()
}

/// Runs blocking code `f` (inside `block_in_place`) outside of any task's cooperative
/// scheduling: the budget is unconstrained and wake-ups are not deferred, since the
/// scheduler that would drain them is not running on this thread until `f` returns (a
/// future that yields inside `f`, driven by some other executor, would hang otherwise).
pub(crate) fn blocking_section<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(Option<Vec<Deferred>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let prev = self.0.take();
            let _ = DEFER.try_with(|d| {
                // Anything deferred meanwhile (nothing should be) is woken, not lost.
                if let Some(list) = d.replace(prev) {
                    list.into_iter().for_each(Deferred::wake);
                }
            });
        }
    }
    // What was deferred before blocking is woken now: the blocking code may wait for one
    // of those tasks, and the scheduler will not drain this list until it returns.
    let mut prev = DEFER.try_with(|d| d.replace(None)).unwrap_or(None);
    if let Some(list) = prev.as_mut() {
        list.drain(..).for_each(Deferred::wake);
    }
    let _reset = Reset(prev);
    with_unconstrained(f)
}

/// Wakes every deferred waker; returns whether there were any.
pub fn wake_deferred() -> bool {
    let list = DEFER
        .try_with(|d| d.borrow_mut().as_mut().map(std::mem::take))
        .ok()
        .flatten();
    match list {
        Some(mut list) if !list.is_empty() => {
            list.drain(..).for_each(Deferred::wake);
            // Hand the buffer back so the next round does not regrow it from nothing
            // (waking only schedules; nothing was deferred meanwhile in the common case).
            let _ = DEFER.try_with(|d| {
                if let Some(current) = d.borrow_mut().as_mut() {
                    if current.is_empty() {
                        *current = list;
                    }
                }
            });
            true
        }
        _ => false,
    }
}

/// Returns `true` if no wake-up is deferred.
pub fn defer_is_empty() -> bool {
    DEFER
        .try_with(|d| d.borrow().as_ref().is_none_or(Vec::is_empty))
        .unwrap_or(true)
}

/// Spends one unit of budget, yielding if it is spent.
///
/// Use this in a loop that does work without touching magpie resources, so it still yields
/// to its peers now and then.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// for _ in 0..1000 {
///     magpie_sched::coop::consume_budget().await;
/// }
/// # });
/// ```
pub async fn consume_budget() {
    let mut status = Poll::Pending;
    std::future::poll_fn(move |cx| {
        if status.is_ready() {
            return status;
        }
        status = poll_proceed(cx).map(|restore| restore.made_progress());
        status
    })
    .await
}

/// A future that spends a unit of budget before each poll of its inner future.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Cooperative<F> {
    inner: F,
}

/// Makes `fut` spend budget like magpie's own resources.
pub fn cooperative<F: Future>(fut: F) -> Cooperative<F> {
    Cooperative { inner: fut }
}

impl<F: Future> Future for Cooperative<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let restore = std::task::ready!(poll_proceed(cx));
        // SAFETY: `inner` is structurally pinned: it is never moved out of `self`, and
        // `Cooperative` has no `Drop` impl that could move it.
        let inner = unsafe { self.map_unchecked_mut(|s| &mut s.inner) };
        let out = inner.poll(cx);
        if out.is_ready() {
            restore.made_progress();
        }
        out
    }
}

/// A future whose polls are never limited by the budget.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Unconstrained<F> {
    inner: F,
}

/// Turns off cooperative scheduling for `fut`: its resources never force it to yield.
pub fn unconstrained<F: Future>(fut: F) -> Unconstrained<F> {
    Unconstrained { inner: fut }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned, as in `Cooperative::poll`.
        let inner = unsafe { self.map_unchecked_mut(|s| &mut s.inner) };
        with_unconstrained(|| inner.poll(cx))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(std::sync::atomic::AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn budget_runs_out_after_128() {
        let count = Arc::new(Count(Default::default()));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            for _ in 0..BUDGET {
                let r = poll_proceed(&mut cx);
                match r {
                    Poll::Ready(r) => r.made_progress(),
                    Poll::Pending => panic!("budget ran out early"),
                }
            }
            assert!(!has_budget_remaining());
            assert!(poll_proceed(&mut cx).is_pending());
        });
        // No defer list: woken at once.
        assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(has_budget_remaining());
    }

    #[test]
    fn pending_restores_unit() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        budget(|| {
            let r = poll_proceed(&mut cx);
            drop(r);
            // restored: all 128 still there
            for _ in 0..BUDGET {
                match poll_proceed(&mut cx) {
                    Poll::Ready(r) => r.made_progress(),
                    Poll::Pending => panic!("unit was not restored"),
                }
            }
        });
    }

    #[test]
    fn defer_collects_until_drained() {
        let count = Arc::new(Count(Default::default()));
        let waker = Waker::from(count.clone());
        with_defer(|| {
            defer(&waker);
            defer(&waker);
            assert!(!defer_is_empty());
            assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 0);
            assert!(wake_deferred());
            assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        });
    }
}
