//! The FIFO semaphore every waiting primitive is built on (the public `Semaphore`, `Mutex`,
//! `RwLock`, `OnceCell` and bounded `mpsc` capacity).
//!
//! The available permits live in one atomic word, so acquiring and releasing with nobody
//! waiting is a single compare-and-swap. Waiters queue in an intrusive list under a mutex.
//! Strict FIFO: when anyone waits, the `QUEUED` bit is set and the word holds no permits;
//! released permits go to the head waiter first (a partial grant when it wants more than
//! there is), so a large request at the head is never overtaken by small ones, and
//! `try_acquire` fails while anyone waits.

use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use crate::linked_list::{Link, LinkedList, Pointers};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::wake_list::WakeList;

const CLOSED: usize = 1;
const QUEUED: usize = 2;
const SHIFT: usize = 2;

/// The most permits a semaphore may hold (the top bits of the word are flags).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// Error returned by acquiring from a closed semaphore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

/// Error returned by the `try_acquire*` family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are available (or others are waiting first).
    NoPermits,
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

impl TryAcquireError {
    /// Returns `true` if the semaphore was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryAcquireError::Closed)
    }

    /// Returns `true` if there were not enough permits.
    pub fn is_no_permits(&self) -> bool {
        matches!(self, TryAcquireError::NoPermits)
    }
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

pub(crate) struct RawSemaphore {
    /// `permits << SHIFT | QUEUED | CLOSED`.
    state: AtomicUsize,
    waiters: Mutex<LinkedList<Waiter>>,
}

// As for `Notify`: the waiter list changes only under its lock, in steps that each leave
// it consistent, so semaphores (and the channels built on them) are unwind-safe, as tokio's.
impl std::panic::UnwindSafe for RawSemaphore {}
impl std::panic::RefUnwindSafe for RawSemaphore {}

/// One waiting acquisition, embedded in its [`Acquire`] future.
struct Waiter {
    pointers: Pointers<Waiter>,
    /// `permits still needed << 1 | CLOSED_BY_SEMAPHORE`; 0 means fully granted. Written only
    /// under the list lock, read without it to complete without locking.
    state: AtomicUsize,
    /// Written only under the list lock.
    waker: UnsafeCell<Option<Waker>>,
    _pin: PhantomPinned,
}

const WAITER_CLOSED: usize = 1;

// SAFETY: `pointers` is the `Pointers<Waiter>` field of the node.
unsafe impl Link for Waiter {
    unsafe fn pointers(target: NonNull<Waiter>) -> NonNull<Pointers<Waiter>> {
        // SAFETY: `target` is live (caller contract); taking a field address does not read.
        unsafe { NonNull::new_unchecked(&raw mut (*target.as_ptr()).pointers) }
    }
}

// SAFETY: the waker cell and links are only touched under the semaphore's lock, the state
// is atomic, and `Waker` is `Send + Sync`.
unsafe impl Send for Waiter {}
// SAFETY: as above.
unsafe impl Sync for Waiter {}

impl RawSemaphore {
    pub(crate) fn new(permits: usize) -> RawSemaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
        );
        RawSemaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(LinkedList::new()),
        }
    }

    #[cfg(not(loom))]
    pub(crate) const fn const_new(permits: usize) -> RawSemaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits"
        );
        RawSemaphore {
            state: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(LinkedList::new()),
        }
    }

    /// A closed semaphore with no permits (an already initialised `OnceCell`).
    pub(crate) fn new_closed() -> RawSemaphore {
        RawSemaphore {
            state: AtomicUsize::new(CLOSED),
            waiters: Mutex::new(LinkedList::new()),
        }
    }

    #[cfg(not(loom))]
    pub(crate) const fn const_new_closed() -> RawSemaphore {
        RawSemaphore {
            state: AtomicUsize::new(CLOSED),
            waiters: Mutex::new(LinkedList::new()),
        }
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.state.load(Acquire) >> SHIFT
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Acquire) & CLOSED != 0
    }

    #[inline]
    pub(crate) fn try_acquire(&self, num: usize) -> Result<(), TryAcquireError> {
        assert!(
            num <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
        );
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if num == 0 {
                return Ok(());
            }
            // While anyone queues the word holds no permits, so this also keeps FIFO order.
            if cur >> SHIFT < num {
                return Err(TryAcquireError::NoPermits);
            }
            match self
                .state
                .compare_exchange_weak(cur, cur - (num << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    pub(crate) fn acquire(&self, num: usize) -> Acquire<'_> {
        Acquire {
            sem: self,
            node: Waiter {
                pointers: Pointers::new(),
                state: AtomicUsize::new(0),
                waker: UnsafeCell::new(None),
                _pin: PhantomPinned,
            },
            num,
            queued: false,
        }
    }

    /// Returns `num` permits, handing them to waiters first.
    #[inline]
    pub(crate) fn release(&self, num: usize) {
        if num == 0 {
            return;
        }
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & QUEUED != 0 {
                let list = self.waiters.lock();
                self.release_locked(num, list);
                return;
            }
            let avail = cur >> SHIFT;
            if num > MAX_PERMITS - avail {
                panic!(
                    "number of added permits ({num}) would overflow MAX_PERMITS ({MAX_PERMITS})"
                );
            }
            match self
                .state
                .compare_exchange_weak(cur, cur + (num << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Removes up to `num` available permits; returns how many were removed.
    pub(crate) fn forget_permits(&self, num: usize) -> usize {
        let mut cur = self.state.load(Acquire);
        loop {
            let take = (cur >> SHIFT).min(num);
            if take == 0 {
                return 0;
            }
            match self
                .state
                .compare_exchange_weak(cur, cur - (take << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return take,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Closes the semaphore: every waiter and every later acquisition fails.
    pub(crate) fn close(&self) {
        let mut list = self.waiters.lock();
        self.state.fetch_or(CLOSED, Release);
        let mut wakers = WakeList::new();
        loop {
            while wakers.can_push() {
                let Some(node) = list.pop_front() else { break };
                // SAFETY: the node was a member, so its future is alive (it unlinks itself
                // under this lock before it goes away); we hold the lock.
                let waiter = unsafe { node.as_ref() };
                // SAFETY: the waker cell is only accessed under the lock we hold.
                let waker = waiter.waker.with_mut(|w| unsafe { (*w).take() });
                let s = waiter.state.load(Relaxed);
                // After this store the future may complete and free the node.
                waiter.state.store(s | WAITER_CLOSED, Release);
                if let Some(w) = waker {
                    wakers.push(w);
                }
            }
            if list.is_empty() {
                self.state.fetch_and(!QUEUED, Release);
                drop(list);
                wakers.wake_all();
                return;
            }
            drop(list);
            wakers.wake_all();
            list = self.waiters.lock();
        }
    }

    fn release_locked<'a>(&'a self, mut rem: usize, mut list: MutexGuard<'a, LinkedList<Waiter>>) {
        let mut wakers = WakeList::new();
        loop {
            while rem > 0 && wakers.can_push() {
                let Some(node) = list.front() else { break };
                // SAFETY: members are alive (see `close`) and we hold the lock.
                let waiter = unsafe { node.as_ref() };
                let need = waiter.state.load(Relaxed) >> 1;
                if rem >= need {
                    rem -= need;
                    list.pop_front();
                    // SAFETY: the waker cell is only accessed under the lock we hold.
                    let waker = waiter.waker.with_mut(|w| unsafe { (*w).take() });
                    // After this store the future may complete and free the node.
                    waiter.state.store(0, Release);
                    if let Some(w) = waker {
                        wakers.push(w);
                    }
                } else {
                    waiter.state.store((need - rem) << 1, Release);
                    rem = 0;
                }
            }
            if list.is_empty() {
                // Nobody waits: the rest goes to the pool and the queue flag is cleared.
                let mut cur = self.state.load(Acquire);
                loop {
                    let avail = cur >> SHIFT;
                    if rem > MAX_PERMITS - avail {
                        drop(list);
                        panic!("number of added permits ({rem}) would overflow MAX_PERMITS ({MAX_PERMITS})");
                    }
                    let new = ((avail + rem) << SHIFT) | (cur & CLOSED);
                    match self.state.compare_exchange(cur, new, AcqRel, Acquire) {
                        Ok(_) => break,
                        Err(actual) => cur = actual,
                    }
                }
                rem = 0;
            }
            drop(list);
            wakers.wake_all();
            if rem == 0 {
                return;
            }
            list = self.waiters.lock();
        }
    }

    /// Whether `num` permits could be taken at once, with no waiter ahead.
    fn can_acquire_now(&self, num: usize) -> bool {
        let s = self.state.load(Acquire);
        s & (CLOSED | QUEUED) == 0 && s >> SHIFT >= num
    }

    fn poll_first(&self, node: &Waiter, num: usize, cx: &mut Context<'_>) -> Poll<bool> {
        match self.try_acquire(num) {
            Ok(()) => return Poll::Ready(true),
            Err(TryAcquireError::Closed) => return Poll::Ready(false),
            Err(TryAcquireError::NoPermits) => {}
        }
        let mut list = self.waiters.lock();
        let mut cur = self.state.load(Acquire);
        let taken = loop {
            if cur & CLOSED != 0 {
                return Poll::Ready(false);
            }
            let avail = cur >> SHIFT;
            if cur & QUEUED == 0 && avail >= num {
                match self
                    .state
                    .compare_exchange(cur, cur - (num << SHIFT), AcqRel, Acquire)
                {
                    Ok(_) => return Poll::Ready(true),
                    Err(actual) => {
                        cur = actual;
                        continue;
                    }
                }
            }
            // Take what there is (nothing if others queue) and mark the queue non-empty.
            match self.state.compare_exchange(cur, QUEUED, AcqRel, Acquire) {
                Ok(_) => break avail,
                Err(actual) => cur = actual,
            }
        };
        node.state.store((num - taken) << 1, Relaxed);
        // SAFETY: the node is not linked yet and the lock is held.
        node.waker
            .with_mut(|w| unsafe { *w = Some(cx.waker().clone()) });
        // SAFETY: the node lives in a pinned `Acquire` that unlinks it before it is dropped.
        unsafe { list.push_back(NonNull::from(node)) };
        Poll::Pending
    }

    fn poll_queued(&self, node: &Waiter, num: usize, cx: &mut Context<'_>) -> Poll<bool> {
        if node.state.load(Acquire) == 0 {
            return Poll::Ready(self.keep_grant(num));
        }
        let list = self.waiters.lock();
        let s = node.state.load(Acquire);
        if s == 0 {
            drop(list);
            return Poll::Ready(self.keep_grant(num));
        }
        if s & WAITER_CLOSED != 0 {
            // `close` unlinked us; give back what a partial grant handed us.
            self.release_locked(num - (s >> 1), list);
            return Poll::Ready(false);
        }
        // SAFETY: the waker cell is only accessed under the lock we hold.
        let replaced = node.waker.with_mut(|w| unsafe {
            match &mut *w {
                Some(old) if old.will_wake(cx.waker()) => None,
                slot => slot.replace(cx.waker().clone()),
            }
        });
        // A waker's drop may run arbitrary code (release to this very semaphore): not
        // under the lock.
        drop(list);
        drop(replaced);
        Poll::Pending
    }
}

impl RawSemaphore {
    /// A waiter was granted all its `num` permits but had not yet seen it: as in tokio, a
    /// semaphore closed meanwhile still fails the acquisition (closing means no acquisition
    /// completes from then on), and the permits go back. Returns whether to keep them.
    fn keep_grant(&self, num: usize) -> bool {
        if self.is_closed() {
            self.release(num);
            false
        } else {
            true
        }
    }
}

impl fmt::Debug for RawSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Relaxed);
        f.debug_struct("Semaphore")
            .field("permits", &(s >> SHIFT))
            .field("closed", &(s & CLOSED != 0))
            .finish()
    }
}

/// Waits for `num` permits of a [`RawSemaphore`]; owns them once it returns `Ok`.
///
/// Dropped before completion, it returns every permit it was granted (fully or partially)
/// to the semaphore, so cancellation never loses permits.
pub(crate) struct Acquire<'a> {
    sem: &'a RawSemaphore,
    node: Waiter,
    num: usize,
    queued: bool,
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: nothing is moved out of the pinned future; the node stays in place.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.queued {
            match crate::hooks::poll_proceed(cx) {
                Poll::Ready(coop) => match this.sem.poll_first(&this.node, this.num, cx) {
                    Poll::Ready(true) => {
                        coop.made_progress();
                        return Poll::Ready(Ok(()));
                    }
                    // Failing spends no budget.
                    Poll::Ready(false) => return Poll::Ready(Err(AcquireError(()))),
                    Poll::Pending => {
                        this.queued = true;
                        return Poll::Pending;
                    }
                },
                // Out of budget (the hook has arranged the yield's wake-up). Permits free
                // for the taking are left there: taking them only to hold them across the
                // yield makes every other task queue behind this one (a convoy that cost
                // the contended benchmark 4x). A task that would have to wait anyway still
                // takes its place in the queue now, below, so FIFO order holds for it.
                Poll::Pending => {
                    if this.sem.is_closed() {
                        return Poll::Ready(Err(AcquireError(())));
                    }
                    if this.sem.can_acquire_now(this.num) {
                        return Poll::Pending;
                    }
                }
            }
        }
        // A queued waiter checks the budget only once the permits are its own, as tokio
        // does: out of budget, it yields holding the grant (a dropped future gives it back).
        let res = if this.queued {
            this.sem.poll_queued(&this.node, this.num, cx)
        } else {
            this.sem.poll_first(&this.node, this.num, cx)
        };
        match res {
            Poll::Pending => {
                this.queued = true;
                Poll::Pending
            }
            Poll::Ready(false) => {
                // Failing spends no budget.
                this.queued = false;
                Poll::Ready(Err(AcquireError(())))
            }
            Poll::Ready(true) => match crate::hooks::poll_proceed(cx) {
                Poll::Ready(coop) => {
                    this.queued = false;
                    coop.made_progress();
                    Poll::Ready(Ok(()))
                }
                Poll::Pending => {
                    // Granted in full but not handed out: an unlinked node at state 0 is
                    // what `poll_queued` completes at once and `drop` gives back.
                    this.node.state.store(0, Relaxed);
                    this.queued = true;
                    Poll::Pending
                }
            },
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if !self.queued {
            return;
        }
        let s = self.node.state.load(Acquire);
        if s == 0 {
            // Granted but never observed: pass the permits on.
            self.sem.release(self.num);
            return;
        }
        let mut list = self.sem.waiters.lock();
        let s = self.node.state.load(Acquire);
        if s != 0 && s & WAITER_CLOSED == 0 {
            // SAFETY: still waiting, so still a member of this list; lock held.
            unsafe { list.remove(NonNull::from(&self.node)) };
        }
        let granted = self.num - (s >> 1);
        // Even with nothing granted, this clears `QUEUED` if we were the last waiter.
        self.sem.release_locked(granted, list);
    }
}

// SAFETY: the node's shared parts are synchronised by the semaphore's lock and atomics;
// `&RawSemaphore` is `Send` because `RawSemaphore` is `Sync`.
unsafe impl Send for Acquire<'_> {}
// SAFETY: `Acquire` exposes nothing through `&self`.
unsafe impl Sync for Acquire<'_> {}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").field("num", &self.num).finish()
    }
}
