//! Notifying tasks of events: a single stored permit plus an intrusive list of waiters.

use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::ops::Deref;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::linked_list::{Link, LinkedList, Pointers};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use crate::wake_list::WakeList;

// Low two bits of `Notify::state`; the rest counts `notify_waiters` calls.
const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const STATE_MASK: usize = 3;
const CALL_INC: usize = 4;

// Values of `Waiter::notification`.
const NONE: usize = 0;
const ONE_FIFO: usize = 1;
const ONE_LIFO: usize = 2;
const ALL: usize = 3;

fn get_state(s: usize) -> usize {
    s & STATE_MASK
}

fn set_state(s: usize, state: usize) -> usize {
    (s & !STATE_MASK) | state
}

/// Notifies one task or all waiting tasks of an event.
///
/// [`notify_one`](Notify::notify_one) wakes the longest-waiting [`Notified`] future, or, if
/// none waits, stores a single permit that the next `notified().await` consumes at once (so
/// a notification sent just before the wait is not lost; several stored notifications
/// coalesce into one). [`notify_waiters`](Notify::notify_waiters) wakes every future
/// created before the call, whether or not it was polled yet, and stores no permit.
///
/// # Examples
///
/// ```
/// use magpie_sync::Notify;
///
/// # futures::executor::block_on(async {
/// let notify = Notify::new();
/// notify.notify_one(); // stored
/// notify.notified().await; // consumes the permit, completes at once
/// # });
/// ```
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<LinkedList<Waiter>>,
}

struct Waiter {
    pointers: Pointers<Waiter>,
    /// Accessed only under the `Notify`'s lock.
    waker: UnsafeCell<Option<Waker>>,
    /// Set (after unlinking, under the lock) when the waiter is notified.
    notification: AtomicUsize,
    _pin: PhantomPinned,
}

// SAFETY: `pointers` is the `Pointers<Waiter>` field of the node.
unsafe impl Link for Waiter {
    unsafe fn pointers(target: NonNull<Waiter>) -> NonNull<Pointers<Waiter>> {
        // SAFETY: `target` is live (caller contract); taking a field address does not read.
        unsafe { NonNull::new_unchecked(&raw mut (*target.as_ptr()).pointers) }
    }
}

// SAFETY: the links and waker are only touched under the `Notify`'s lock; the notification
// is atomic.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Init,
    Waiting,
    Done,
}

/// The future returned by [`Notify::notified`].
///
/// # Cancel safety
///
/// Dropping a `Notified` that was woken by `notify_one`/`notify_last` before it observed the
/// notification passes the notification on to the next waiter (or stores the permit), so
/// it is never lost.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Notified<'a> {
    inner: NotifiedImpl<&'a Notify>,
}

/// The future returned by [`Notify::notified_owned`]: a [`Notified`] that owns an
/// `Arc<Notify>`, so it is `'static`.
///
/// # Cancel safety
///
/// As for [`Notified`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct OwnedNotified {
    inner: NotifiedImpl<Arc<Notify>>,
}

/// The state machine both notified futures share, over a borrowed or owned `Notify`.
struct NotifiedImpl<N: Deref<Target = Notify>> {
    notify: N,
    state: State,
    /// The `notify_waiters` call count when the future was created.
    calls: usize,
    waiter: Waiter,
}

// SAFETY: the waiter's shared parts are synchronised by the `Notify`'s lock and atomics;
// the handle `N` (a `&Notify` or `Arc<Notify>`) is `Send` because `Notify` is `Sync`.
unsafe impl<N: Deref<Target = Notify> + Send> Send for NotifiedImpl<N> {}
// SAFETY: `&NotifiedImpl` exposes nothing.
unsafe impl<N: Deref<Target = Notify> + Sync> Sync for NotifiedImpl<N> {}

impl Notify {
    /// Creates a `Notify` with no stored permit.
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(LinkedList::new()),
        }
    }

    /// Creates a `Notify` in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(LinkedList::new()),
        }
    }

    /// Returns a future that completes when notified.
    ///
    /// The future already receives [`notify_waiters`](Self::notify_waiters) wake-ups from
    /// the moment it is created; it joins the `notify_one` queue when first polled (or
    /// [enabled](Notified::enable)).
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            inner: NotifiedImpl::new(self),
        }
    }

    /// Like [`notified`](Self::notified), but the future owns an `Arc` of the `Notify`, so
    /// it can be stored or moved into a task freely.
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        OwnedNotified {
            inner: NotifiedImpl::new(self),
        }
    }

    /// Wakes the longest-waiting task, or stores a permit if none waits.
    pub fn notify_one(&self) {
        self.notify_with(ONE_FIFO);
    }

    /// Wakes the most recently queued task, or stores a permit if none waits.
    pub fn notify_last(&self) {
        self.notify_with(ONE_LIFO);
    }

    fn notify_with(&self, kind: usize) {
        let mut cur = self.state.load(SeqCst);
        while get_state(cur) != WAITING {
            match self
                .state
                .compare_exchange(cur, set_state(cur, NOTIFIED), SeqCst, SeqCst)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        let mut list = self.waiters.lock();
        let waker = self.notify_locked(&mut list, kind);
        drop(list);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Hands one notification to a waiter, or stores the permit; returns the waiter's waker.
    fn notify_locked(&self, list: &mut LinkedList<Waiter>, kind: usize) -> Option<Waker> {
        let mut cur = self.state.load(SeqCst);
        loop {
            if get_state(cur) != WAITING {
                match self
                    .state
                    .compare_exchange(cur, set_state(cur, NOTIFIED), SeqCst, SeqCst)
                {
                    Ok(_) => return None,
                    Err(actual) => {
                        cur = actual;
                        continue;
                    }
                }
            }
            // Waiters push at the front, so the oldest is at the back.
            let node = match kind {
                ONE_LIFO => list.pop_front(),
                _ => list.pop_back(),
            }
            .expect("Notify is WAITING with no waiter queued");
            // SAFETY: the node was a member, so its future is alive, and we hold the lock.
            let waiter = unsafe { node.as_ref() };
            // SAFETY: the waker cell is only accessed under the lock we hold.
            let waker = waiter.waker.with_mut(|w| unsafe { (*w).take() });
            // After this store the future may complete and free the node.
            waiter.notification.store(kind, Release);
            if list.is_empty() {
                // Only lock holders change the state while it is WAITING.
                self.state.store(set_state(cur, EMPTY), SeqCst);
            }
            return waker;
        }
    }

    /// Wakes every task waiting now, including `Notified` futures created but not yet
    /// polled. Stores no permit.
    pub fn notify_waiters(&self) {
        let mut list = self.waiters.lock();
        let cur = self.state.load(SeqCst);
        if get_state(cur) != WAITING {
            self.state.fetch_add(CALL_INC, SeqCst);
            return;
        }
        self.state
            .store(set_state(cur.wrapping_add(CALL_INC), EMPTY), SeqCst);
        // All at once (spilling past 32), so no waiter queued after this call is woken by it.
        let mut wakers = WakeList::new();
        while let Some(node) = list.pop_back() {
            // SAFETY: the node was a member, so its future is alive, and we hold the lock.
            let waiter = unsafe { node.as_ref() };
            // SAFETY: the waker cell is only accessed under the lock we hold.
            let waker = waiter.waker.with_mut(|w| unsafe { (*w).take() });
            waiter.notification.store(ALL, Release);
            if let Some(w) = waker {
                wakers.push_spill(w);
            }
        }
        drop(list);
        wakers.wake_all();
    }
}

// The waiter list changes only under its lock, in steps that each leave it consistent, and
// wakers run after the lock is released: a panic cannot expose a half-updated state (as
// tokio's `Notify`, which is unwind-safe).
impl std::panic::UnwindSafe for Notify {}
impl std::panic::RefUnwindSafe for Notify {}

impl Default for Notify {
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("permit", &(get_state(self.state.load(Relaxed)) == NOTIFIED))
            .finish()
    }
}

macro_rules! notified_api {
    ($($name:literal: [$($gen:tt)*] $ty:ty, $handle:ty;)*) => {$(
        impl<$($gen)*> $ty {
            /// Joins the waiter queue without waiting, so a later `notify_one` picks this
            /// future.
            ///
            /// Returns `true` if the future is already notified (a poll would return
            /// `Ready`). Enabling is idempotent.
            pub fn enable(self: Pin<&mut Self>) -> bool {
                self.inner().poll_notified(None).is_ready()
            }

            fn inner(self: Pin<&mut Self>) -> Pin<&mut NotifiedImpl<$handle>> {
                // SAFETY: `inner` is structurally pinned: never moved out, and the wrapper
                // has no `Drop` of its own.
                unsafe { self.map_unchecked_mut(|s| &mut s.inner) }
            }
        }

        impl<$($gen)*> Future for $ty {
            type Output = ();

            // No coop budget here, as in tokio: a `Notified` completes even for a task out
            // of budget. The primitives built on `Notify` (`watch`) budget themselves.
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                self.inner().poll_notified(Some(cx.waker()))
            }
        }

        impl<$($gen)*> fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct($name)
                    .field("state", &self.inner.state)
                    .finish()
            }
        }
    )*};
}

notified_api! {
    "Notified": ['a] Notified<'a>, &'a Notify;
    "OwnedNotified": [] OwnedNotified, Arc<Notify>;
}

impl<N: Deref<Target = Notify>> NotifiedImpl<N> {
    fn new(notify: N) -> NotifiedImpl<N> {
        let state = notify.state.load(SeqCst);
        NotifiedImpl {
            notify,
            state: State::Init,
            calls: state & !STATE_MASK,
            waiter: Waiter {
                pointers: Pointers::new(),
                waker: UnsafeCell::new(None),
                notification: AtomicUsize::new(NONE),
                _pin: PhantomPinned,
            },
        }
    }

    fn poll_notified(self: Pin<&mut Self>, waker: Option<&Waker>) -> Poll<()> {
        // SAFETY: nothing is moved out of the pinned future; the waiter stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        let notify: &Notify = &this.notify;
        match this.state {
            State::Done => Poll::Ready(()),
            State::Init => {
                let cur = notify.state.load(SeqCst);
                if cur & !STATE_MASK != this.calls {
                    // A `notify_waiters` since creation completes us; checked first so a
                    // stored `notify_one` permit is left for the next waiter.
                    this.state = State::Done;
                    return Poll::Ready(());
                }
                if get_state(cur) == NOTIFIED
                    && notify
                        .state
                        .compare_exchange(cur, set_state(cur, EMPTY), SeqCst, SeqCst)
                        .is_ok()
                {
                    this.state = State::Done;
                    return Poll::Ready(());
                }
                // Cloned before locking: a waker's clone may run arbitrary code (notify this
                // very `Notify`), as tokio allows.
                let waker = waker.cloned();
                let mut list = notify.waiters.lock();
                let mut cur = notify.state.load(SeqCst);
                if cur & !STATE_MASK != this.calls {
                    this.state = State::Done;
                    return Poll::Ready(());
                }
                loop {
                    let next = match get_state(cur) {
                        WAITING => break,
                        EMPTY => set_state(cur, WAITING),
                        _ => set_state(cur, EMPTY),
                    };
                    match notify.state.compare_exchange(cur, next, SeqCst, SeqCst) {
                        Ok(_) if get_state(cur) == NOTIFIED => {
                            this.state = State::Done;
                            return Poll::Ready(());
                        }
                        Ok(_) => break,
                        Err(actual) => cur = actual,
                    }
                }
                if waker.is_some() {
                    // SAFETY: not linked yet; the lock is held. The slot is empty (a node
                    // is linked once), so nothing is dropped under the lock.
                    this.waiter.waker.with_mut(|slot| unsafe { *slot = waker });
                }
                // SAFETY: the waiter lives in this pinned future, which unlinks it on drop.
                unsafe { list.push_front(NonNull::from(&this.waiter)) };
                this.state = State::Waiting;
                Poll::Pending
            }
            State::Waiting => {
                if this.waiter.notification.load(Acquire) != NONE {
                    this.state = State::Done;
                    return Poll::Ready(());
                }
                let Some(w) = waker else {
                    return Poll::Pending;
                };
                let list = notify.waiters.lock();
                if this.waiter.notification.load(Acquire) != NONE {
                    this.state = State::Done;
                    return Poll::Ready(());
                }
                // SAFETY: the waker cell is only accessed under the lock we hold.
                let replaced = this.waiter.waker.with_mut(|slot| unsafe {
                    match &mut *slot {
                        Some(old) if old.will_wake(w) => None,
                        slot => slot.replace(w.clone()),
                    }
                });
                // A waker's drop may run arbitrary code (notify this very `Notify`): not
                // under the lock.
                drop(list);
                drop(replaced);
                Poll::Pending
            }
        }
    }
}

impl<N: Deref<Target = Notify>> Drop for NotifiedImpl<N> {
    fn drop(&mut self) {
        if self.state != State::Waiting {
            return;
        }
        let notify: &Notify = &self.notify;
        let mut list = notify.waiters.lock();
        let kind = self.waiter.notification.load(Acquire);
        let mut waker = None;
        match kind {
            NONE => {
                // SAFETY: not notified, so still linked; the lock is held.
                unsafe { list.remove(NonNull::from(&self.waiter)) };
                if list.is_empty() {
                    let cur = notify.state.load(SeqCst);
                    if get_state(cur) == WAITING {
                        notify.state.store(set_state(cur, EMPTY), SeqCst);
                    }
                }
            }
            // Woken by `notify_one`/`notify_last` but never saw it: pass it on.
            ONE_FIFO | ONE_LIFO => waker = notify.notify_locked(&mut list, kind),
            _ => {}
        }
        drop(list);
        if let Some(w) = waker {
            w.wake();
        }
    }
}
