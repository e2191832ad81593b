//! The per-registration state the reactor and the socket's tasks share: one readiness word
//! and the wakers of the tasks waiting on it.
//!
//! The readiness word holds the [`Ready`] bits the poller reported, a `SHUTDOWN` bit set
//! when the reactor goes away, and two 12-bit ticks, one per direction: an event that
//! reports read-side readiness (readable, read-closed, priority, error) increments the read
//! tick, one that reports write-side readiness (writable, write-closed, error) the write
//! tick. A task that saw readiness, tried its syscall and got `WouldBlock` clears the
//! readiness it saw only if the tick of that side is unchanged: an event that arrived
//! meanwhile is never erased, so it is never lost. The ticks are separate because a
//! socket that sends gets write-space events (`EPOLLOUT` on every datagram sent, under
//! edge triggering): with one shared tick, each of them made the reader's clear fail and
//! cost the reader one more `WouldBlock` syscall (0.26 per datagram in a UDP ping-pong
//! with the two ends on two workers). Delivering an event is one compare-and-swap on the
//! word, then the waiters' lock.
//!
//! Waiters come in two kinds. `poll_*` methods (`poll_read`, `poll_accept`, ...) store
//! their waker in one of two slots, one for the reader and one for the writer, so a reader
//! and a writer can wait on one socket at once without allocating. The readiness futures
//! (`readable()`, `ready(interest)`, ...) may be awaited by any number of tasks at once
//! through `&self`, so each gets its own entry in a slab that reuses its slots.
//!
//! The ordering argument: a task stores its waker under the lock and re-reads the word
//! before it returns `Pending`; the reactor updates the word before taking the lock to
//! collect wakers. Either the reactor's lock comes after the task's (it finds the waker) or
//! before it (the task's re-read sees the new bits), so no wake-up is lost.

#![cfg_attr(not(loom), allow(unreachable_pub))]

use std::fmt;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::interest::Interest;
use super::ready::{self, Ready};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use crate::loom::sync::Mutex;

const SHUTDOWN: usize = 1 << 6;
/// Both ticks fit in 32 bits with the ready bits, so the word is a `usize` everywhere.
const TICK_MAX: usize = 0xFFF;
const READ_TICK_SHIFT: u32 = 8;
const WRITE_TICK_SHIFT: u32 = 20;
const READ_TICK_MASK: usize = TICK_MAX << READ_TICK_SHIFT;
const WRITE_TICK_MASK: usize = TICK_MAX << WRITE_TICK_SHIFT;
const CLOSED: usize = ready::READ_CLOSED | ready::WRITE_CLOSED;
/// Readiness bits whose events bump the read tick, and whose clearing checks it.
const READ_SIDE: usize = ready::READABLE | ready::READ_CLOSED | ready::PRIORITY | ready::ERROR;
/// Readiness bits whose events bump the write tick, and whose clearing checks it.
const WRITE_SIDE: usize = ready::WRITABLE | ready::WRITE_CLOSED | ready::ERROR;

/// Which of the two `poll_*` waker slots a caller waits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The reader's slot: woken by readable or read-closed readiness.
    Read,
    /// The writer's slot: woken by writable or write-closed readiness.
    Write,
}

impl Direction {
    fn mask(self) -> usize {
        match self {
            Direction::Read => ready::READABLE | ready::READ_CLOSED,
            Direction::Write => ready::WRITABLE | ready::WRITE_CLOSED,
        }
    }
}

/// The readiness a task observed, with the tick it was observed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyEvent {
    /// The readiness that matched what the task waited for.
    pub ready: Ready,
    /// The reactor is gone: the resource will never be ready again.
    pub is_shutdown: bool,
    /// The word's read and write ticks when the readiness was observed.
    ticks: usize,
}

impl ReadyEvent {
    fn from_word(word: usize, mask: usize) -> ReadyEvent {
        ReadyEvent {
            ready: Ready::from_usize(word & mask),
            is_shutdown: word & SHUTDOWN != 0,
            ticks: word & (READ_TICK_MASK | WRITE_TICK_MASK),
        }
    }

    fn is_done(&self) -> bool {
        self.is_shutdown || !self.ready.is_empty()
    }
}

/// Readiness and waiters of one registered resource.
pub struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// Waiters of the readiness futures; an entry whose waker was taken stays until its
    /// future completes or is dropped.
    list: Slab<Waiter>,
}

struct Waiter {
    waker: Option<Waker>,
    interest: Interest,
}

impl Default for ScheduledIo {
    fn default() -> Self {
        ScheduledIo::new()
    }
}

impl ScheduledIo {
    /// State with no readiness and no waiters.
    pub fn new() -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Records `ready` (as one new event) and pushes the wakers it satisfies onto `wake`.
    ///
    /// The caller wakes them after releasing its own locks.
    pub fn dispatch(&self, ready: Ready, wake: &mut Vec<Waker>) {
        let bits = ready.as_usize();
        // An event with no bits at all bumps both ticks, to stay on the safe side.
        let bump_read = bits & READ_SIDE != 0 || bits == 0;
        let bump_write = bits & WRITE_SIDE != 0 || bits == 0;
        let mut curr = self.readiness.load(Acquire);
        loop {
            let mut next = curr | bits;
            if bump_read {
                next = bump(next, READ_TICK_SHIFT);
            }
            if bump_write {
                next = bump(next, WRITE_TICK_SHIFT);
            }
            match self
                .readiness
                .compare_exchange_weak(curr, next, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => curr = actual,
            }
        }
        self.collect(|mask| mask & bits != 0, wake);
    }

    /// Marks the resource `ready` without an event from the poller, for a resource whose
    /// state is known when it is made (an accepted socket is writable and usually already
    /// holds the peer's first bytes; a fresh pair is writable), so its first operation tries
    /// the syscall instead of waiting for the poller's first event.
    ///
    /// The ticks stay as they are: a wrong guess costs one `WouldBlock`, whose clear then
    /// succeeds like any other. Nothing changes after shutdown; nobody is woken (the
    /// resource is new, so nobody waits on it yet).
    pub fn assume_ready(&self, ready: Ready) {
        let bits = ready.as_usize() & !SHUTDOWN;
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |curr| {
            (curr & SHUTDOWN == 0).then_some(curr | bits)
        });
    }

    /// Marks the resource as shut down and pushes every waiter onto `wake`.
    pub fn shutdown(&self, wake: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, AcqRel);
        self.collect(|_| true, wake);
    }

    fn collect(&self, matches: impl Fn(usize) -> bool, wake: &mut Vec<Waker>) {
        let mut waiters = self.waiters.lock();
        if matches(Direction::Read.mask()) {
            wake.extend(waiters.reader.take());
        }
        if matches(Direction::Write.mask()) {
            wake.extend(waiters.writer.take());
        }
        if !waiters.list.is_empty() {
            for (_, waiter) in waiters.list.iter_mut() {
                if matches(waiter.interest.mask().as_usize()) {
                    wake.extend(waiter.waker.take());
                }
            }
        }
    }

    /// The readiness matching `interest` right now, without waiting.
    pub fn ready_now(&self, interest: Interest) -> ReadyEvent {
        ReadyEvent::from_word(self.readiness.load(Acquire), interest.mask().as_usize())
    }

    /// Polls for readiness in `direction`, storing the waker in that direction's slot.
    pub fn poll_ready(&self, cx: &mut Context<'_>, direction: Direction) -> Poll<ReadyEvent> {
        let mask = direction.mask();
        let ev = ReadyEvent::from_word(self.readiness.load(Acquire), mask);
        if ev.is_done() {
            return Poll::Ready(ev);
        }
        let mut waiters = self.waiters.lock();
        let slot = match direction {
            Direction::Read => &mut waiters.reader,
            Direction::Write => &mut waiters.writer,
        };
        match slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Re-read under the lock: see the module docs for why this closes the race.
        let ev = ReadyEvent::from_word(self.readiness.load(Acquire), mask);
        if ev.is_done() {
            Poll::Ready(ev)
        } else {
            Poll::Pending
        }
    }

    /// Polls a readiness future's wait for `interest`; `key` is the future's entry in the
    /// waiter list (`None` until it first waits). The entry is removed when ready.
    pub fn poll_waiter(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        key: &mut Option<usize>,
    ) -> Poll<ReadyEvent> {
        let mask = interest.mask().as_usize();
        let ev = ReadyEvent::from_word(self.readiness.load(Acquire), mask);
        if ev.is_done() {
            if let Some(k) = key.take() {
                self.waiters.lock().list.remove(k);
            }
            return Poll::Ready(ev);
        }
        let mut waiters = self.waiters.lock();
        match *key {
            Some(k) => {
                let waiter = &mut waiters.list[k];
                match &waiter.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => waiter.waker = Some(cx.waker().clone()),
                }
            }
            None => {
                *key = Some(waiters.list.insert(Waiter {
                    waker: Some(cx.waker().clone()),
                    interest,
                }));
            }
        }
        let ev = ReadyEvent::from_word(self.readiness.load(Acquire), mask);
        if ev.is_done() {
            if let Some(k) = key.take() {
                waiters.list.remove(k);
            }
            Poll::Ready(ev)
        } else {
            Poll::Pending
        }
    }

    /// Forgets the waiter entry of a readiness future dropped before it completed.
    pub fn remove_waiter(&self, key: usize) {
        let mut waiters = self.waiters.lock();
        if waiters.list.contains(key) {
            waiters.list.remove(key);
        }
    }

    /// Clears the readiness in `ev` unless a newer event arrived since it was observed.
    ///
    /// Closed states are never cleared: once the peer is gone it stays gone.
    pub fn clear_readiness(&self, ev: ReadyEvent) {
        let clear = ev.ready.as_usize() & !CLOSED;
        let mut curr = self.readiness.load(Acquire);
        loop {
            // A bit may go only if no event of its side arrived since it was observed; a
            // bit of both sides (error) needs both ticks unchanged.
            let read_same = curr & READ_TICK_MASK == ev.ticks & READ_TICK_MASK;
            let write_same = curr & WRITE_TICK_MASK == ev.ticks & WRITE_TICK_MASK;
            let mut keep = 0;
            if !read_same {
                keep |= READ_SIDE;
            }
            if !write_same {
                keep |= WRITE_SIDE;
            }
            let next = curr & !(clear & !keep);
            if next == curr {
                return;
            }
            match self
                .readiness
                .compare_exchange_weak(curr, next, AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
    }
}

/// `word` with the tick at `shift` incremented (wrapping within its 12 bits).
fn bump(word: usize, shift: u32) -> usize {
    let mask = TICK_MAX << shift;
    let tick = (((word & mask) >> shift) + 1) & TICK_MAX;
    (word & !mask) | (tick << shift)
}

impl fmt::Debug for ScheduledIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.readiness.load(Acquire);
        f.debug_struct("ScheduledIo")
            .field("ready", &Ready::from_usize(word))
            .field("shutdown", &(word & SHUTDOWN != 0))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize as StdCount, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(StdCount);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn waker() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(StdCount::new(0)));
        (c.clone(), Waker::from(c))
    }

    fn wake_all(list: &mut Vec<Waker>) {
        list.drain(..).for_each(Waker::wake);
    }

    #[test]
    fn reader_and_writer_wait_at_once() {
        let io = ScheduledIo::new();
        let (rc, rw) = waker();
        let (wc, ww) = waker();
        assert!(io
            .poll_ready(&mut Context::from_waker(&rw), Direction::Read)
            .is_pending());
        assert!(io
            .poll_ready(&mut Context::from_waker(&ww), Direction::Write)
            .is_pending());
        let mut list = Vec::new();
        io.dispatch(Ready::WRITABLE, &mut list);
        wake_all(&mut list);
        assert_eq!((rc.0.load(SeqCst), wc.0.load(SeqCst)), (0, 1));
        io.dispatch(Ready::READABLE, &mut list);
        wake_all(&mut list);
        assert_eq!((rc.0.load(SeqCst), wc.0.load(SeqCst)), (1, 1));
    }

    #[test]
    fn assumed_readiness_is_seen_cleared_and_never_hides_an_event() {
        let io = ScheduledIo::new();
        io.assume_ready(Ready::READABLE | Ready::WRITABLE);
        let (_, w) = waker();
        let mut cx = Context::from_waker(&w);
        let Poll::Ready(read) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("assumed readable")
        };
        assert!(io.poll_ready(&mut cx, Direction::Write).is_ready());
        // The guess was wrong (WouldBlock): the clear succeeds, the next poll waits.
        io.clear_readiness(read);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());

        // A real event between the observation and the clear survives the clear.
        let io = ScheduledIo::new();
        io.assume_ready(Ready::READABLE);
        let seen = io.ready_now(Interest::READABLE);
        let mut list = Vec::new();
        io.dispatch(Ready::READABLE, &mut list);
        io.clear_readiness(seen);
        assert_eq!(io.ready_now(Interest::READABLE).ready, Ready::READABLE);

        // After shutdown nothing is assumed.
        let io = ScheduledIo::new();
        io.shutdown(&mut list);
        io.assume_ready(Ready::READABLE);
        let ev = io.ready_now(Interest::READABLE);
        assert!(ev.is_shutdown && ev.ready.is_empty());
    }

    #[test]
    fn stale_clear_keeps_new_event() {
        let io = ScheduledIo::new();
        let mut list = Vec::new();
        io.dispatch(Ready::READABLE, &mut list);
        let (_, w) = waker();
        let mut cx = Context::from_waker(&w);
        let Poll::Ready(ev) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("not ready")
        };
        io.dispatch(Ready::READABLE, &mut list);
        io.clear_readiness(ev);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_ready());
        let Poll::Ready(ev) = io.poll_ready(&mut cx, Direction::Read) else {
            panic!("not ready")
        };
        io.clear_readiness(ev);
        assert!(io.poll_ready(&mut cx, Direction::Read).is_pending());
    }

    #[test]
    fn a_write_event_does_not_keep_a_stale_read_readiness() {
        let io = ScheduledIo::new();
        let mut list = Vec::new();
        io.dispatch(Ready::READABLE | Ready::WRITABLE, &mut list);
        let read = io.ready_now(Interest::READABLE);
        let write = io.ready_now(Interest::WRITABLE);
        // Write space came back (a datagram sent): the reader's WouldBlock still clears.
        io.dispatch(Ready::WRITABLE, &mut list);
        io.clear_readiness(read);
        assert!(io.ready_now(Interest::READABLE).ready.is_empty());
        // ... but the writer's stale clear does not erase the newer write event.
        io.clear_readiness(write);
        assert_eq!(io.ready_now(Interest::WRITABLE).ready, Ready::WRITABLE);
        // An error event bumps both sides: an older clear of either side keeps its bits.
        let both = io.ready_now(Interest::READABLE | Interest::WRITABLE);
        io.dispatch(Ready::READABLE | Ready::ERROR, &mut list);
        io.clear_readiness(both);
        assert_eq!(
            io.ready_now(Interest::READABLE | Interest::WRITABLE).ready,
            Ready::READABLE | Ready::WRITABLE
        );
        assert_ne!(io.readiness.load(Acquire) & ready::ERROR, 0);
    }

    #[test]
    fn ticks_wrap_without_touching_other_bits() {
        let io = ScheduledIo::new();
        let mut list = Vec::new();
        for _ in 0..(TICK_MAX + 5) {
            io.dispatch(Ready::READABLE, &mut list);
        }
        let word = io.readiness.load(Acquire);
        assert_eq!(word & !(READ_TICK_MASK | WRITE_TICK_MASK), ready::READABLE);
        assert_eq!(word & WRITE_TICK_MASK, 0);
        assert_eq!((word & READ_TICK_MASK) >> READ_TICK_SHIFT, 4);
    }

    #[test]
    fn closed_survives_clear() {
        let io = ScheduledIo::new();
        let mut list = Vec::new();
        io.dispatch(Ready::READABLE | Ready::READ_CLOSED, &mut list);
        let ev = io.ready_now(Interest::READABLE);
        io.clear_readiness(ev);
        assert_eq!(io.ready_now(Interest::READABLE).ready, Ready::READ_CLOSED);
    }

    #[test]
    fn waiters_woken_by_interest_and_shutdown() {
        let io = ScheduledIo::new();
        let (c1, w1) = waker();
        let (c2, w2) = waker();
        let (mut k1, mut k2) = (None, None);
        let i1 = Interest::READABLE;
        let i2 = Interest::WRITABLE;
        assert!(io
            .poll_waiter(&mut Context::from_waker(&w1), i1, &mut k1)
            .is_pending());
        assert!(io
            .poll_waiter(&mut Context::from_waker(&w2), i2, &mut k2)
            .is_pending());
        let mut list = Vec::new();
        io.dispatch(Ready::READABLE, &mut list);
        wake_all(&mut list);
        assert_eq!((c1.0.load(SeqCst), c2.0.load(SeqCst)), (1, 0));
        assert!(io
            .poll_waiter(&mut Context::from_waker(&w1), i1, &mut k1)
            .is_ready());
        assert!(k1.is_none());
        io.shutdown(&mut list);
        wake_all(&mut list);
        assert_eq!(c2.0.load(SeqCst), 1);
        let Poll::Ready(ev) = io.poll_waiter(&mut Context::from_waker(&w2), i2, &mut k2) else {
            panic!("shutdown must complete the wait")
        };
        assert!(ev.is_shutdown);
    }
}
