//! The shared state of a time driver, the [`Handle`] that reaches it, and the thread-local
//! "current timer" that `sleep` and friends find it through.
//!
//! The facade enters a handle on every runtime thread and in every `block_on`/`enter`;
//! a runtime built without timers enters [`Handle::enter_disabled`] instead, so misuse gets
//! a message that says which builder call is missing.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::task::Waker;

use crossbeam_utils::CachePadded;
use magpie_sched::park::Unpark;

use crate::clock::{Clock, TimeSource};
use crate::entry::{Entry, FIRED, FIRING};
use crate::loom::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use crate::loom::sync::{Arc, Mutex, MutexGuard};
use crate::shard::shard_hint;
use crate::wheel::Wheel;

/// The driver is awake: it re-reads every shard before it sleeps, so registrations need
/// not wake it.
pub(crate) const AWAKE: u64 = 0;
/// The driver is (about to be) asleep with no deadline.
pub(crate) const ASLEEP_FOREVER: u64 = u64::MAX;

// tokio's messages word for word (code moving from tokio may match on them), with where
// magpie looks for the runtime added after the no-context one.
const NO_CONTEXT: &str = "there is no reactor running, must be called from the context of a \
     Tokio 1.x runtime (magpie is one: call this inside `Runtime::block_on`, a spawned task, \
     or after `Runtime::enter`)";
const TEARDOWN: &str = "there is no reactor running: this thread is being torn down";
const TIME_DISABLED: &str = "A Tokio 1.x context was found, but timers are disabled. Call \
     `enable_time` on the runtime builder to enable timers.";
pub(crate) const SHUTDOWN: &str = "A Tokio 1.x context was found, but it is being shutdown.";

/// A handle to a time driver: what a `Sleep` registers with.
///
/// Cloning is cheap (a reference count). [`Handle::enter`] makes it the current timer of
/// the thread, which is how `magpie::time::sleep` finds it.
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Anchor>,
}

/// What a [`Handle`] counts references on: one per [`Handles`] slot, each pointing at the
/// driver's one [`Shared`].
///
/// Every `Sleep` holds a handle, so creating and dropping one clones and drops it. With a
/// single reference count, all workers hammered one cache line (in a timeout-heavy
/// workload, the atomic decrement was most of the caller's own time). With one anchor per
/// worker, a sleep created on a worker counts on that worker's anchor.
pub(crate) struct Anchor {
    shared: Arc<Shared>,
}

impl std::ops::Deref for Anchor {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl Handle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Handle {
        Handle {
            shared: Arc::new(Anchor { shared }),
        }
    }

    /// One handle per worker for a runtime with `workers` workers, each with its own
    /// reference count (see [`Handles`]).
    pub fn per_worker(&self, workers: usize) -> Handles {
        Handles {
            slots: (0..workers.max(1))
                .map(|_| CachePadded::new(Handle::from_shared(self.shared.shared.clone())))
                .collect(),
        }
    }
}

/// The handles of one driver a runtime carries among its drivers: one per worker, so the
/// timers a worker creates clone a handle no other worker touches (threads that are not
/// workers are dealt slots round-robin).
///
/// ```
/// let timer = magpie_timer::Timer::new(magpie_sched::park::Parker::new());
/// let handles = timer.handle().per_worker(2);
/// assert!(!handles.local().is_shutdown());
/// ```
pub struct Handles {
    slots: Box<[CachePadded<Handle>]>,
}

impl Handles {
    /// The handle for the current thread.
    #[inline]
    pub fn local(&self) -> &Handle {
        &self.slots[shard_hint() % self.slots.len()]
    }
}

impl fmt::Debug for Handles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handles")
            .field("slots", &self.slots.len())
            .finish()
    }
}

pub(crate) struct Shared {
    pub(crate) clock: Clock,
    pub(crate) source: TimeSource,
    shards: Box<[CachePadded<Mutex<Wheel>>]>,
    /// The tick the parked driver sleeps until ([`AWAKE`] while it runs): a registration
    /// due earlier must unpark it.
    next_wake: AtomicU64,
    unpark: Box<dyn Unpark>,
    /// Set by every unpark of the driver: a paused clock does not auto-advance on a park
    /// that was cut short by a wake-up (work arrived, or a timer was registered), as in
    /// tokio.
    did_wake: AtomicBool,
    is_shutdown: AtomicBool,
}

/// What registering an entry found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Registration {
    /// Filed in a wheel; it fires later.
    Pending,
    /// Its deadline had already been handled: it is marked fired.
    Elapsed,
    /// The driver is shut down: nothing will ever fire it.
    Shutdown,
}

/// Up to this many wakers are collected under a shard lock before it is released to wake
/// them: wakers run foreign code, which must not run under our lock.
const WAKE_BATCH: usize = 32;

struct WakeBatch {
    wakers: [Option<Waker>; WAKE_BATCH],
    len: usize,
}

impl WakeBatch {
    fn new() -> WakeBatch {
        WakeBatch {
            wakers: std::array::from_fn(|_| None),
            len: 0,
        }
    }

    /// Adds a waker; returns `true` when the batch is full.
    fn push(&mut self, waker: Waker) -> bool {
        self.wakers[self.len] = Some(waker);
        self.len += 1;
        self.len == WAKE_BATCH
    }

    fn wake_all(&mut self) {
        for slot in &mut self.wakers[..self.len] {
            if let Some(waker) = slot.take() {
                waker.wake();
            }
        }
        self.len = 0;
    }
}

impl Shared {
    pub(crate) fn new(
        shards: usize,
        pausable: bool,
        start_paused: bool,
        unpark: Box<dyn Unpark>,
    ) -> Shared {
        let clock = Clock::new(pausable, start_paused);
        let source = TimeSource::new(clock.now());
        Shared {
            clock,
            source,
            shards: (0..shards.max(1))
                .map(|_| CachePadded::new(Mutex::new(Wheel::new())))
                .collect(),
            next_wake: AtomicU64::new(AWAKE),
            unpark,
            did_wake: AtomicBool::new(false),
            is_shutdown: AtomicBool::new(false),
        }
    }

    #[inline]
    pub(crate) fn is_shutdown(&self) -> bool {
        self.is_shutdown.load(Ordering::Acquire)
    }

    #[inline]
    pub(crate) fn shard_for_current_thread(&self) -> usize {
        shard_hint() % self.shards.len()
    }

    #[inline]
    fn lock(&self, shard: usize) -> MutexGuard<'_, Wheel> {
        self.shards[shard].lock()
    }

    /// Files a fresh entry (state `IDLE`, waker already stored) in `shard`.
    ///
    /// # Safety
    ///
    /// `entry` is pinned, linked nowhere, and its owner unregisters it (under this shard's
    /// lock) before it is freed.
    pub(crate) unsafe fn register(
        &self,
        entry: NonNull<Entry>,
        tick: u64,
        shard: usize,
    ) -> Registration {
        // SAFETY: the caller's contract; the entry is alive.
        let e = unsafe { entry.as_ref() };
        let mut wheel = self.lock(shard);
        if self.is_shutdown() {
            e.state.store(FIRED, Ordering::Release);
            return Registration::Shutdown;
        }
        e.state.store(tick, Ordering::Release);
        // SAFETY: the caller's contract, and we hold the shard lock.
        if unsafe { wheel.insert(entry, tick) } {
            drop(wheel);
            self.wake_driver_for(tick);
            Registration::Pending
        } else {
            e.state.store(FIRED, Ordering::Release);
            Registration::Elapsed
        }
    }

    /// Moves a registered entry to a new deadline, keeping its waker. If the new deadline
    /// has already passed, the entry fires at once (its waker is woken).
    ///
    /// # Safety
    ///
    /// `entry` is alive and was registered in `shard` (it may have fired since).
    pub(crate) unsafe fn reregister(&self, entry: NonNull<Entry>, tick: u64, shard: usize) {
        // SAFETY: the caller's contract.
        let e = unsafe { entry.as_ref() };
        let mut wheel = self.lock(shard);
        // SAFETY: the entry is linked in this shard's wheel or nowhere; we hold the lock.
        unsafe { wheel.remove(entry) };
        // After shutdown the entry is released at once (its next poll panics, saying why);
        // otherwise it is filed again, or fires at once if the new deadline has passed.
        if !self.is_shutdown() {
            e.state.store(tick, Ordering::Release);
            // SAFETY: unlinked above; the owner's contract keeps it alive while linked.
            if unsafe { wheel.insert(entry, tick) } {
                drop(wheel);
                self.wake_driver_for(tick);
                return;
            }
        }
        // SAFETY: the entry is alive and unlinked, and we hold its shard lock.
        let waker = unsafe { fire(entry) };
        drop(wheel);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Unlinks an entry whose owner is going away.
    ///
    /// # Safety
    ///
    /// `entry` is alive and was registered in `shard` (it may have fired since).
    pub(crate) unsafe fn unregister(&self, entry: NonNull<Entry>, shard: usize) {
        let mut wheel = self.lock(shard);
        // SAFETY: the entry is linked in this shard's wheel or nowhere; we hold the lock.
        // Once we have the lock, the driver is not in the middle of firing it either.
        unsafe { wheel.remove(entry) };
    }

    /// Unparks the driver if it sleeps past `tick`.
    #[inline]
    fn wake_driver_for(&self, tick: u64) {
        // The plain load keeps the common case (driver awake, or sleeping to an earlier
        // deadline) free of writes to this shared word; the `fetch_min` makes sure only one
        // of several racing registrations pays for the unpark syscall.
        if tick < self.next_wake.load(Ordering::SeqCst)
            && tick < self.next_wake.fetch_min(tick, Ordering::SeqCst)
        {
            self.unpark_driver();
        }
    }

    /// Called by the driver before it reads the shards to decide how long to sleep.
    pub(crate) fn begin_park(&self) {
        self.next_wake.store(ASLEEP_FOREVER, Ordering::SeqCst);
    }

    /// Publishes the tick the driver is about to sleep until.
    pub(crate) fn sleeping_until(&self, tick: u64) {
        self.next_wake.fetch_min(tick, Ordering::SeqCst);
    }

    pub(crate) fn end_park(&self) {
        self.next_wake.store(AWAKE, Ordering::SeqCst);
    }

    pub(crate) fn unpark_driver(&self) {
        self.did_wake.store(true, Ordering::SeqCst);
        self.unpark.unpark();
    }

    /// Whether the driver was unparked since the last call.
    pub(crate) fn take_did_wake(&self) -> bool {
        self.did_wake.swap(false, Ordering::SeqCst)
    }

    /// The earliest tick at which any shard has work.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        (0..self.shards.len())
            .filter_map(|shard| self.lock(shard).next_expiration())
            .min()
    }

    /// Fires every entry due at or before `now` in every shard, waking wakers outside the
    /// locks.
    pub(crate) fn process(&self, now: u64) {
        let mut batch = WakeBatch::new();
        for shard in 0..self.shards.len() {
            let mut wheel = self.lock(shard);
            while let Some(entry) = wheel.poll(now) {
                // SAFETY: the entry was linked in the wheel, so its owner has not freed it
                // (owners unlink under this lock before freeing), and we still hold the lock.
                if let Some(waker) = unsafe { fire(entry) } {
                    if batch.push(waker) {
                        drop(wheel);
                        batch.wake_all();
                        wheel = self.lock(shard);
                    }
                }
            }
            drop(wheel);
            batch.wake_all();
        }
    }

    /// Marks the driver shut down and fires every entry, so their futures observe it.
    pub(crate) fn shutdown(&self) {
        self.is_shutdown.store(true, Ordering::SeqCst);
        let mut batch = WakeBatch::new();
        for shard in 0..self.shards.len() {
            let mut wheel = self.lock(shard);
            while let Some(entry) = wheel.pop_any() {
                // SAFETY: as in `process`.
                if let Some(waker) = unsafe { fire(entry) } {
                    if batch.push(waker) {
                        drop(wheel);
                        batch.wake_all();
                        wheel = self.lock(shard);
                    }
                }
            }
            drop(wheel);
            batch.wake_all();
        }
    }
}

/// Marks an unlinked entry fired and takes its waker.
///
/// # Safety
///
/// `entry` is alive and the caller holds the lock of the shard it was linked in.
unsafe fn fire(entry: NonNull<Entry>) -> Option<Waker> {
    // SAFETY: the caller's contract.
    let e = unsafe { entry.as_ref() };
    // `FIRING` before taking the waker, so a poll that registers after the take sees the
    // entry as fired; `FIRED` after, and it is the last access: an owner that reads `FIRED`
    // may free the entry without taking the lock.
    e.state.store(FIRING, Ordering::Release);
    let waker = e.waker.take();
    e.state.store(FIRED, Ordering::Release);
    waker
}

// A panic cannot leave the shared state half-updated where another thread would observe it:
// wheel edits are panic-free pointer writes and the shard locks do not poison. So, as with
// tokio's handles, a `Handle` may cross `catch_unwind`.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("shards", &self.shared.shards.len())
            .field("is_shutdown", &self.shared.is_shutdown())
            .finish_non_exhaustive()
    }
}

enum Current {
    Missing,
    Disabled,
    Enabled(Handle),
}

std::thread_local! {
    static CURRENT: RefCell<Current> = const { RefCell::new(Current::Missing) };
    /// How many [`Handle::enter`] guards are alive on this thread: while none is, lookups
    /// skip `CURRENT` and go straight to the runtime (a plain `Cell` without drop glue is
    /// the cheapest thread-local to read).
    static ENTERED: Cell<usize> = const { Cell::new(0) };
}

/// Restores the previous current timer when dropped; returned by [`Handle::enter`].
///
/// Guards must be dropped in the reverse order of their creation, on the thread that made
/// them (the type is `!Send`).
#[must_use = "the handle is current only while the guard lives"]
pub struct EnterGuard {
    prev: Option<Current>,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        if let Some(prev) = self.prev.take() {
            let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
            let _ = ENTERED.try_with(|n| n.set(n.get().saturating_sub(1)));
        }
    }
}

fn set_current(new: Current) -> EnterGuard {
    let prev = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), new));
    ENTERED.with(|n| n.set(n.get() + 1));
    EnterGuard {
        prev: Some(prev),
        _not_send: PhantomData,
    }
}

impl Handle {
    /// Makes this the thread's current timer until the guard is dropped. Nestable: the
    /// guard restores whatever was current before.
    pub fn enter(&self) -> EnterGuard {
        set_current(Current::Enabled(self.clone()))
    }

    /// Marks the thread as inside a runtime that has no timer, until the guard is dropped.
    ///
    /// The facade enters this on runtimes built without `enable_time`, so that using a
    /// timer there panics with a message naming the missing builder call.
    pub fn enter_disabled() -> EnterGuard {
        set_current(Current::Disabled)
    }

    /// Returns the thread's current timer.
    ///
    /// # Panics
    ///
    /// Panics outside a runtime, or in a runtime built without timers, with a message
    /// saying which.
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::lookup(Handle::clone) {
            Ok(handle) => handle,
            Err(msg) => panic!("{msg}"),
        }
    }

    /// Returns the thread's current timer, or `None` if there is none (outside a runtime,
    /// or in one built without timers).
    pub fn try_current() -> Option<Handle> {
        Handle::lookup(Handle::clone).ok()
    }

    /// Runs `f` with the current timer, if any, without cloning it.
    #[inline]
    pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
        let mut f = Some(f);
        let mut call = |found: Option<&Handle>| (f.take().expect("called once"))(found);
        match Handle::lookup(|found| call(Some(found))) {
            Ok(out) => out,
            Err(_) => call(None),
        }
    }

    /// Runs `f` with the thread's current timer: one entered with [`Handle::enter`] wins,
    /// else the one the thread's current runtime carries among its drivers. Without one,
    /// `f` does not run and the error says why.
    #[inline]
    fn lookup<R>(f: impl FnOnce(&Handle) -> R) -> Result<R, &'static str> {
        let mut f = Some(f);
        let alive = ENTERED.try_with(Cell::get);
        if alive.is_ok_and(|entered| entered > 0) {
            let entered = CURRENT.try_with(|c| match &*c.borrow() {
                Current::Enabled(handle) => Some(Ok((f.take().expect("called once"))(handle))),
                Current::Disabled => Some(Err(TIME_DISABLED)),
                Current::Missing => None,
            });
            if let Ok(Some(out)) = entered {
                return out;
            }
        }
        match magpie_sched::runtime::with_current_driver::<Handles, _>(|found| {
            found.map(|handles| (f.take().expect("called once"))(handles.local()))
        }) {
            Ok(Some(out)) => Ok(out),
            Ok(None) => Err(TIME_DISABLED),
            Err(_) if alive.is_err() => Err(TEARDOWN),
            Err(_) => Err(NO_CONTEXT),
        }
    }

    /// Whether the driver has shut down (timers then panic when polled).
    pub fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown()
    }

    /// The current time on this driver's clock (the paused clock, if it is paused).
    pub fn now(&self) -> crate::Instant {
        crate::Instant::from_std(self.shared.clock.now())
    }

    /// Forbids auto-advance of a paused clock until the guard is dropped.
    ///
    /// While work the timers cannot see is in flight (the scheduler holds one of these
    /// per running `spawn_blocking` task, as tokio does), jumping the clock to the next
    /// deadline would make timeouts fire before that work had any chance to finish. Guards
    /// nest as a counter; dropping the last one unparks the driver so it re-evaluates.
    ///
    /// On a clock that can never be paused (a multi-thread runtime's) this does nothing, so
    /// `spawn_blocking` there pays neither the shared counter nor a driver wake-up.
    pub fn inhibit_auto_advance(&self) -> AutoAdvanceInhibit {
        if !self.shared.clock.is_pausable() {
            return AutoAdvanceInhibit { handle: None };
        }
        self.shared.clock.inhibit();
        AutoAdvanceInhibit {
            handle: Some(self.clone()),
        }
    }

    /// Pauses this driver's clock (what [`crate::pause`] does on the current timer).
    ///
    /// # Panics
    ///
    /// If the clock is already paused, or the driver was built with
    /// [`Builder::pausable(false)`](crate::Builder::pausable).
    #[track_caller]
    pub fn pause(&self) {
        self.shared.clock.pause()
    }

    /// Resumes this driver's clock (what [`crate::resume`] does on the current timer).
    ///
    /// # Panics
    ///
    /// If the clock is not paused.
    #[track_caller]
    pub fn resume(&self) {
        self.shared.clock.resume()
    }
}

/// Keeps a paused clock from auto-advancing while it lives; see
/// [`Handle::inhibit_auto_advance`].
#[must_use = "auto-advance is inhibited only while the guard lives"]
pub struct AutoAdvanceInhibit {
    handle: Option<Handle>,
}

impl fmt::Debug for AutoAdvanceInhibit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutoAdvanceInhibit").finish_non_exhaustive()
    }
}

impl Drop for AutoAdvanceInhibit {
    fn drop(&mut self) {
        let Some(handle) = &self.handle else { return };
        // The driver only needs to re-evaluate a paused clock (it may now jump ahead);
        // waking it otherwise costs a syscall per blocking task for nothing.
        if handle.shared.clock.allow() && handle.shared.clock.is_paused() {
            handle.shared.unpark_driver();
        }
    }
}
