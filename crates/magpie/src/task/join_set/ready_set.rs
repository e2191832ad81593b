//! The wake-up protocol behind `JoinSet`: keyed handles, each polled with a waker of its
//! own, and a ready list of the keys whose waker fired.
//!
//! Waking an entry puts its key on the ready list once (the entry's `queued` flag drops
//! repeat wakes until the entry is polled again) and wakes the parent waiting in
//! [`ReadySet::poll_next`], which registers itself first and then drains the list, polling
//! only the entries on it. So joining touches only the tasks that finished (or were just
//! added), never the whole set.
//!
//! The set knows nothing of the runtime: `JoinSet` keeps `JoinHandle`s in it and says how
//! to poll one; the loom tests (`tests/loom_join_set.rs`) keep mock handles. Its locks and
//! atomics come from `crate::loom`, so those tests see every interleaving of the protocol.

// `pub` only for the loom tests' `__loom` export.
#![cfg_attr(not(loom), allow(unreachable_pub))]

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::task::{Context, Poll, Wake, Waker};

use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Arc, Mutex};

/// Handles of type `H` under keys of their own, and the list of keys to poll next.
pub struct ReadySet<H> {
    entries: HashMap<u64, Entry<H>>,
    shared: Arc<Shared>,
    /// Never reused, so a stale key left on the ready list cannot name a newer entry.
    next_key: u64,
}

struct Entry<H> {
    handle: H,
    waker: std::sync::Arc<EntryWaker>,
    /// Whether `handle` has been polled, so it holds this entry's waker.
    registered: bool,
}

/// What the set and its entries' wakers share.
struct Shared {
    ready: Mutex<VecDeque<u64>>,
    parent: Mutex<Option<Waker>>,
}

/// One entry's waker. In std's `Arc` because `Waker::from` takes one; the `Shared` it
/// points to is in `crate::loom`'s, so a leaked entry waker fails a loom model.
struct EntryWaker {
    key: u64,
    /// Set from the wake that queued the key until the entry is next polled. A wake in
    /// between adds nothing: the coming poll sees whatever that wake announced.
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for EntryWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.queue();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.queue();
    }
}

impl EntryWaker {
    fn queue(&self) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        // Push before taking the parent's waker: a parent that registered after our take
        // drains the list after it, so it finds the key.
        self.shared.ready.lock().push_back(self.key);
        let parent = self.shared.parent.lock().take();
        if let Some(waker) = parent {
            waker.wake();
        }
    }

    /// Called just before the entry's handle is polled: a wake racing that poll must
    /// queue the entry again, or a completion the poll just missed would be lost.
    fn unqueue(&self) {
        self.queued.store(false, Ordering::Release);
    }
}

impl<H> ReadySet<H> {
    /// An empty set.
    pub fn new() -> ReadySet<H> {
        ReadySet {
            entries: HashMap::new(),
            shared: Arc::new(Shared {
                ready: Mutex::new(VecDeque::new()),
                parent: Mutex::new(None),
            }),
            next_key: 0,
        }
    }

    /// The number of handles in the set.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns `true` if the set holds no handle.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds `handle`. It starts queued, so the next [`poll_next`](Self::poll_next) polls
    /// it once, which hands it the entry's waker.
    pub fn insert(&mut self, handle: H) {
        let key = self.next_key;
        self.next_key += 1;
        let waker = std::sync::Arc::new(EntryWaker {
            key,
            queued: AtomicBool::new(false),
            shared: self.shared.clone(),
        });
        waker.queue();
        self.entries.insert(
            key,
            Entry {
                handle,
                waker,
                registered: false,
            },
        );
    }

    /// Every handle in the set.
    pub fn handles(&self) -> impl Iterator<Item = &H> {
        self.entries.values().map(|e| &e.handle)
    }

    /// Drops every handle. Their entries' wakers may still fire; they then queue keys
    /// that name no entry, which the next poll skips.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.shared.ready.lock().clear();
    }

    /// Polls the handles on the ready list with `poll(handle, cx, first)` (`first` on the
    /// poll that hands a handle its entry's waker) until one is ready, and removes it.
    /// `Ready(None)` if the set is empty; `Pending` registers `cx`'s waker, woken when an
    /// entry's waker fires.
    pub fn poll_next<T>(
        &mut self,
        cx: &mut Context<'_>,
        mut poll: impl FnMut(&mut H, &mut Context<'_>, bool) -> Poll<T>,
    ) -> Poll<Option<(H, T)>> {
        if self.entries.is_empty() {
            return Poll::Ready(None);
        }
        // Register first, so a wake between the drain below and our return is not lost.
        // The waker replaced is dropped only on the way out, outside the lock: its drop
        // may run arbitrary code (even drive a runtime that completes one of our tasks,
        // whose entry waker then takes this lock); as in tokio, what that makes ready is
        // seen by the next poll.
        let _replaced = self.shared.parent.lock().replace(cx.waker().clone());
        loop {
            let Some(key) = self.shared.ready.lock().pop_front() else {
                return Poll::Pending;
            };
            let registered = self.entries.get(&key).is_some_and(|e| e.registered);
            match self.poll_entry(key, &mut poll) {
                Poll::Ready(out) => return Poll::Ready(Some(out)),
                Poll::Pending if registered || !magpie_sched::coop::has_budget_remaining() => {
                    // A woken handle that is still pending ran out of coop budget (and
                    // queued itself again): yield to the scheduler rather than spin.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Pending => {}
            }
        }
    }

    /// Polls, once each, the handles `finished` picks, returning (and removing) the first
    /// that is ready. Never registers a waker of the caller's.
    pub fn try_next<T>(
        &mut self,
        mut finished: impl FnMut(&H) -> bool,
        mut poll: impl FnMut(&mut H, &mut Context<'_>, bool) -> Poll<T>,
    ) -> Option<(H, T)> {
        let keys: Vec<u64> = self
            .entries
            .iter()
            .filter(|(_, e)| finished(&e.handle))
            .map(|(&key, _)| key)
            .collect();
        keys.into_iter()
            .find_map(|key| match self.poll_entry(key, &mut poll) {
                Poll::Ready(out) => Some(out),
                Poll::Pending => None,
            })
    }

    /// Polls one entry's handle with the entry's own waker; removes it if ready.
    fn poll_entry<T>(
        &mut self,
        key: u64,
        poll: &mut impl FnMut(&mut H, &mut Context<'_>, bool) -> Poll<T>,
    ) -> Poll<(H, T)> {
        let Some(entry) = self.entries.get_mut(&key) else {
            return Poll::Pending; // cleared or already joined
        };
        entry.waker.unqueue();
        let waker = Waker::from(entry.waker.clone());
        let mut cx = Context::from_waker(&waker);
        let first = !std::mem::replace(&mut entry.registered, true);
        match poll(&mut entry.handle, &mut cx, first) {
            Poll::Ready(out) => {
                let entry = self.entries.remove(&key).expect("entry vanished");
                Poll::Ready((entry.handle, out))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// The keys on the ready list, in order: for the loom tests' checks.
    #[cfg(loom)]
    pub fn ready_keys(&self) -> Vec<u64> {
        self.shared.ready.lock().iter().copied().collect()
    }
}

impl<H> Default for ReadySet<H> {
    fn default() -> Self {
        ReadySet::new()
    }
}

impl<H> Drop for ReadySet<H> {
    fn drop(&mut self) {
        // Entry wakers may outlive the set (in tasks that keep running): let go of the
        // parent's waker now rather than keep its task alive until they are all gone.
        let parent = self.shared.parent.lock().take();
        drop(parent);
    }
}

impl<H> fmt::Debug for ReadySet<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadySet")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}
