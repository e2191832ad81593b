//! A worker's local run queue: a fixed ring of [`CAPACITY`] tasks that its owner pushes to
//! and pops from without locks, and that other workers steal half of at a time.
//!
//! Why not `crossbeam_deque::Worker`: it grows without bound (so it never overflows into the
//! injector, which keeps a flooded worker's tasks away from idle ones until stolen one batch
//! at a time), and its buffer swaps need epoch reclamation on every resize. A fixed ring
//! with a packed head gives the owner a plain store per push and needs no reclamation.
//!
//! The head word packs two indices: `steal` (where the in-progress steal started) and `real`
//! (the next slot to pop). When they differ, a stealer is copying slots `steal..real`; the
//! owner may still pop from `real` but must not overwrite those slots, and a second stealer
//! backs off. The tail is written only by the owner.

use std::mem::MaybeUninit;

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use crate::loom::sync::Arc;
use crate::task::Notified;

/// Slots in a local queue (tokio's is the same size).
pub(crate) const CAPACITY: usize = 256;
const MASK: usize = CAPACITY - 1;
const HALF: u32 = (CAPACITY / 2) as u32;

/// Aligned like a worker's core: the owner and thieves share these words on purpose, but no
/// unrelated allocation should share their lines.
#[repr(align(128))]
struct Inner<S: 'static> {
    head: AtomicU64,
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<Notified<S>>>]>,
}

// SAFETY: slots are handed between threads only through the head/tail protocol, which gives
// each slot one owner at a time; tasks themselves are `Send`.
unsafe impl<S> Send for Inner<S> {}
// SAFETY: as for `Send`.
unsafe impl<S> Sync for Inner<S> {}

/// The owner's end.
pub(crate) struct Local<S: 'static> {
    inner: Arc<Inner<S>>,
}

/// Another worker's end: it may only steal.
pub(crate) struct Steal<S: 'static>(Arc<Inner<S>>);

impl<S> Clone for Steal<S> {
    fn clone(&self) -> Self {
        Steal(self.0.clone())
    }
}

fn pack(steal: u32, real: u32) -> u64 {
    (steal as u64) << 32 | real as u64
}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

pub(crate) fn local<S: 'static>() -> (Steal<S>, Local<S>) {
    let buffer = (0..CAPACITY)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let inner = Arc::new(Inner {
        head: AtomicU64::new(0),
        tail: AtomicU32::new(0),
        buffer,
    });
    (Steal(inner.clone()), Local { inner })
}

impl<S> Inner<S> {
    /// # Safety
    /// The caller owns slot `idx` (it is between head and tail on the owner side, or claimed
    /// by a steal) and it holds a task.
    unsafe fn take(&self, idx: u32) -> Notified<S> {
        // SAFETY: the caller's contract.
        self.buffer[idx as usize & MASK].with(|p| unsafe { (*p).assume_init_read() })
    }

    /// # Safety
    /// The caller owns slot `idx` and it is empty.
    unsafe fn put(&self, idx: u32, task: Notified<S>) {
        // SAFETY: the caller's contract.
        self.buffer[idx as usize & MASK].with_mut(|p| unsafe { (*p).write(task) });
    }

    fn len(&self) -> usize {
        let (_, real) = unpack(self.head.load(Acquire));
        let tail = self.tail.load(Acquire);
        tail.wrapping_sub(real) as usize
    }
}

impl<S: 'static> Local<S> {
    /// The owner's view of the tail (only it writes the tail, so a relaxed load is exact).
    fn tail(&self) -> u32 {
        self.inner.tail.load(Relaxed)
    }

    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Room left before a push overflows.
    pub(crate) fn remaining_slots(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        CAPACITY - self.tail().wrapping_sub(steal) as usize
    }

    /// Pushes to the back. When full, moves half the queue plus `task` to `overflow` in
    /// one batch (or just `task` while a steal is in progress, which frees room soon).
    pub(crate) fn push_back_or_overflow(
        &mut self,
        mut task: Notified<S>,
        overflow: &impl Overflow<S>,
    ) {
        let tail = loop {
            let head = self.inner.head.load(Acquire);
            let (steal, real) = unpack(head);
            let tail = self.tail();
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                break tail;
            } else if steal != real {
                overflow.push(task);
                return;
            } else {
                match self.push_overflow(task, real, tail, overflow) {
                    Ok(()) => return,
                    Err(back) => task = back,
                }
            }
        };
        // SAFETY: slot `tail` is outside head..tail, so no stealer reads it and we own it.
        unsafe { self.inner.put(tail, task) };
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    /// Pushes all of `tasks` to the back, in order, leaving it empty: the slots that fit
    /// are written first and published with one tail store; any rest goes through
    /// [`push_back_or_overflow`](Local::push_back_or_overflow).
    pub(crate) fn push_back_batch(
        &mut self,
        tasks: &mut Vec<Notified<S>>,
        overflow: &impl Overflow<S>,
    ) {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let tail = self.tail();
        let room = CAPACITY - tail.wrapping_sub(steal) as usize;
        let mut tasks = tasks.drain(..);
        let mut n = 0;
        for task in tasks.by_ref().take(room) {
            // SAFETY: slots tail..tail+room lie outside steal..tail, so no stealer reads
            // them before the tail store below publishes them: they are ours.
            unsafe { self.inner.put(tail.wrapping_add(n), task) };
            n += 1;
        }
        self.inner.tail.store(tail.wrapping_add(n), Release);
        for task in tasks {
            self.push_back_or_overflow(task, overflow);
        }
    }

    fn push_overflow(
        &mut self,
        task: Notified<S>,
        head: u32,
        tail: u32,
        overflow: &impl Overflow<S>,
    ) -> Result<(), Notified<S>> {
        debug_assert_eq!(tail.wrapping_sub(head) as usize, CAPACITY);
        // Claim the older half in one CAS; a racing stealer makes it fail and we retry.
        let prev = pack(head, head);
        let next = pack(head.wrapping_add(HALF), head.wrapping_add(HALF));
        if self
            .inner
            .head
            .compare_exchange(prev, next, Release, Relaxed)
            .is_err()
        {
            return Err(task);
        }
        let inner = &self.inner;
        let batch = (0..HALF)
            // SAFETY: the CAS moved the head past these slots: they are ours alone.
            .map(move |i| unsafe { inner.take(head.wrapping_add(i)) })
            .chain(std::iter::once(task));
        overflow.push_batch(batch);
        Ok(())
    }

    /// Pops from the front.
    pub(crate) fn pop(&mut self) -> Option<Notified<S>> {
        let mut head = self.inner.head.load(Acquire);
        let idx = loop {
            let (steal, real) = unpack(head);
            if real == self.tail() {
                return None;
            }
            let next_real = real.wrapping_add(1);
            let next = if steal == real {
                pack(next_real, next_real)
            } else {
                debug_assert_ne!(steal, next_real);
                pack(steal, next_real)
            };
            match self
                .inner
                .head
                .compare_exchange(head, next, AcqRel, Acquire)
            {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS claimed slot `idx` for us.
        Some(unsafe { self.inner.take(idx) })
    }
}

impl<S: 'static> Drop for Local<S> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(self.pop().is_none(), "local queue not empty when dropped");
        }
    }
}

impl<S: 'static> Steal<S> {
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Steals half of this queue into `dst`, returning one of the stolen tasks to run now.
    pub(crate) fn steal_into(&self, dst: &mut Local<S>) -> Option<Notified<S>> {
        let dst_tail = dst.tail();
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        // Do not steal into a queue that is already more than half full.
        if dst_tail.wrapping_sub(dst_steal) > HALF {
            return None;
        }
        let mut n = self.steal_into2(dst, dst_tail);
        if n == 0 {
            return None;
        }
        n -= 1;
        let ret_idx = dst_tail.wrapping_add(n);
        // SAFETY: `steal_into2` wrote slots dst_tail..dst_tail+n+1 of our own queue, which
        // are beyond its published tail: nobody else reads them.
        let ret = unsafe { dst.inner.take(ret_idx) };
        if n > 0 {
            dst.inner.tail.store(ret_idx, Release);
        }
        Some(ret)
    }

    fn steal_into2(&self, dst: &mut Local<S>, dst_tail: u32) -> u32 {
        let mut prev = self.0.head.load(Acquire);
        let (n, first, mut next) = loop {
            let (steal, real) = unpack(prev);
            let tail = self.0.tail.load(Acquire);
            if steal != real {
                return 0; // another worker is stealing
            }
            let avail = tail.wrapping_sub(real);
            let n = avail - avail / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => break (n, real, next),
                Err(actual) => prev = actual,
            }
        };
        debug_assert!(n as usize <= CAPACITY / 2);
        for i in 0..n {
            // SAFETY: the CAS claimed source slots first..first+n (the owner pops only from
            // `real` onwards and never overwrites `steal..real`); destination slots beyond
            // dst's tail belong to us, the owner of `dst`.
            unsafe {
                let task = self.0.take(first.wrapping_add(i));
                dst.inner.put(dst_tail.wrapping_add(i), task);
            }
        }
        // Release the claim: steal catches up with real.
        loop {
            let (_, real) = unpack(next);
            match self
                .0
                .head
                .compare_exchange(next, pack(real, real), AcqRel, Acquire)
            {
                Ok(_) => return n,
                Err(actual) => {
                    let (s, r) = unpack(actual);
                    debug_assert_ne!(s, r);
                    next = actual;
                }
            }
        }
    }
}

/// Where a full local queue sends its overflow (the injector; a `Vec` in tests).
pub(crate) trait Overflow<S: 'static> {
    fn push(&self, task: Notified<S>);
    fn push_batch(&self, tasks: impl Iterator<Item = Notified<S>>);
}
