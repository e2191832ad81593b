//! The thread-local runtime context: which runtime is current on this thread (set by
//! `block_on`, `enter`, and every runtime thread), and whether the thread is driving a
//! runtime (so blocking on another one would deadlock).
//!
//! Lower crates (timer, reactor) find their driver handles through this context
//! (`runtime::with_current_driver`); a runtime may also have an enter hook, run whenever
//! this context is set (the facade's runtimes need none).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

use crate::runtime::{Handle, TryCurrentError};

struct Context {
    current: RefCell<Option<Handle>>,
    /// Bumped by every `set_current`, so guards can check they are dropped in order.
    depth: Cell<usize>,
    /// Inside `block_on` or on a worker: blocking this thread on a runtime is forbidden.
    runtime_entered: Cell<bool>,
    /// In a current-thread runtime's `Runtime::block_on`, or running a `LocalSet` (its
    /// tasks or the future it drives): `block_in_place` would stall those tasks, so it is
    /// refused off the workers, as in tokio.
    no_block_in_place: Cell<bool>,
    worker_index: Cell<Option<usize>>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            current: RefCell::new(None),
            depth: Cell::new(0),
            runtime_entered: Cell::new(false),
            no_block_in_place: Cell::new(false),
            worker_index: Cell::new(None),
        }
    };
}

/// Restores the previous current runtime when dropped.
pub(crate) struct SetCurrentGuard {
    prev: Option<Handle>,
    depth: usize,
    _hook: Option<HookGuard>,
    /// `!Send` (the guard restores this thread's context) but `Sync`, as tokio's
    /// `EnterGuard`: a shared reference to it can do nothing.
    _not_send: PhantomData<std::sync::MutexGuard<'static, ()>>,
}

/// What the runtime's enter hook returned, kept until the guard drops.
struct HookGuard(#[allow(dead_code)] Box<dyn Any>);

// SAFETY: `Sync` lets other threads hold `&HookGuard`; nothing reads the box through a
// shared reference (it is only dropped, by its owner), so no non-`Sync` value is ever
// reached from two threads.
unsafe impl Sync for HookGuard {}

/// Makes `handle` the current runtime of this thread (and runs its enter hook, if it has
/// one).
pub(crate) fn set_current(handle: &Handle) -> SetCurrentGuard {
    let hook = handle.common().enter_hook.as_ref().map(|f| f());
    // During thread-local destruction (a runtime kept in a thread-local and dropped with
    // it) the context is gone: the guard then restores nothing (depth 0).
    let (prev, depth) = CONTEXT
        .try_with(|c| {
            let prev = c.current.replace(Some(handle.clone()));
            let depth = c.depth.get() + 1;
            c.depth.set(depth);
            (prev, depth)
        })
        .unwrap_or((None, 0));
    SetCurrentGuard {
        prev,
        depth,
        _hook: hook.map(HookGuard),
        _not_send: PhantomData,
    }
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        if self.depth == 0 {
            return;
        }
        let prev = self.prev.take();
        let ok = CONTEXT
            .try_with(|c| {
                let ok = c.depth.get() == self.depth;
                c.current.replace(prev);
                c.depth.set(self.depth - 1);
                ok
            })
            .unwrap_or(true);
        if !ok && !std::thread::panicking() {
            panic!("`EnterGuard` values dropped out of order. Guards returned by `magpie::runtime::Handle::enter()` must be dropped in the reverse order as they were acquired.");
        }
    }
}

/// Runs `f` with the current runtime's handle.
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Result<R, TryCurrentError> {
    match CONTEXT.try_with(|c| c.current.borrow().clone()) {
        Ok(Some(handle)) => Ok(f(&handle)),
        Ok(None) => Err(TryCurrentError::no_context()),
        Err(_) => Err(TryCurrentError::thread_local_destroyed()),
    }
}

/// Marks the thread as driving a runtime until dropped.
pub(crate) struct EnterRuntimeGuard {
    _not_send: PhantomData<*const ()>,
}

/// Enters "driving a runtime" mode. Panics if the thread already drives one, with tokio's
/// explanation of why that would deadlock.
#[track_caller]
pub(crate) fn enter_runtime() -> EnterRuntimeGuard {
    // A destroyed context (thread-local destruction) cannot be driving a runtime.
    let was = CONTEXT
        .try_with(|c| c.runtime_entered.replace(true))
        .unwrap_or(false);
    if was {
        panic!(
            "Cannot start a runtime from within a runtime. This happens because a function (like `block_on`) attempted to block the current thread while the thread is being used to drive asynchronous tasks. If you are in an async function, use `.await` on the future instead of blocking on it."
        );
    }
    EnterRuntimeGuard {
        _not_send: PhantomData,
    }
}

impl Drop for EnterRuntimeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| c.runtime_entered.set(false));
    }
}

/// Runs `f` with the thread out of "driving a runtime" mode (for `block_in_place`), so it
/// may block, even on another runtime.
pub(crate) fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|c| c.runtime_entered.set(self.0));
        }
    }
    let was = CONTEXT
        .try_with(|c| c.runtime_entered.replace(false))
        .unwrap_or(false);
    let _reset = Reset(was);
    f()
}

/// Forbids `block_in_place` on this thread until dropped (see `Context::no_block_in_place`).
pub(crate) struct DisallowBlockInPlace {
    prev: bool,
    _not_send: PhantomData<*const ()>,
}

pub(crate) fn disallow_block_in_place() -> DisallowBlockInPlace {
    let prev = CONTEXT
        .try_with(|c| c.no_block_in_place.replace(true))
        .unwrap_or(false);
    DisallowBlockInPlace {
        prev,
        _not_send: PhantomData,
    }
}

impl Drop for DisallowBlockInPlace {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|c| c.no_block_in_place.set(self.prev));
    }
}

/// Whether `block_in_place` is refused on this thread (see [`disallow_block_in_place`]).
pub(crate) fn is_block_in_place_disallowed() -> bool {
    CONTEXT
        .try_with(|c| c.no_block_in_place.get())
        .unwrap_or(false)
}

/// Returns `true` if this thread is driving a runtime (inside `block_on` or on a worker),
/// where blocking calls like `blocking_recv` would stall or deadlock it.
pub fn is_runtime_entered() -> bool {
    CONTEXT
        .try_with(|c| c.runtime_entered.get())
        .unwrap_or(false)
}

/// The index of the worker this thread is, in its runtime (`None` off the workers).
/// Drivers use it to shard per-worker state.
pub fn worker_index() -> Option<usize> {
    CONTEXT.try_with(|c| c.worker_index.get()).ok().flatten()
}

pub(crate) fn set_worker_index(index: Option<usize>) {
    let _ = CONTEXT.try_with(|c| c.worker_index.set(index));
}

/// Runs `f` with a borrow of the current runtime's handle, without cloning it: for the
/// drivers' short lookups of their own handles (`f` must not enter or leave a runtime).
pub(crate) fn with_current_ref<R>(
    f: impl FnOnce(Option<&Handle>) -> R,
) -> Result<R, TryCurrentError> {
    CONTEXT
        .try_with(|c| f(c.current.borrow().as_ref()))
        .map_err(|_| TryCurrentError::thread_local_destroyed())
}
