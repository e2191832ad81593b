//! The state both `mpsc` flavours share: a locked queue, the receiver's waker, sender
//! counts, and (bounded only) a semaphore of free slots.
//!
//! One short critical section per message on each side keeps the channel simple to verify
//! under loom; senders that wait for capacity queue on the semaphore's intrusive list.

use std::collections::VecDeque;
use std::task::{ready, Context, Poll, Waker};

use super::error::TryRecvError;
use crate::batch_semaphore::{AcquireError, RawSemaphore};
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::notify::Notify;

struct Queue<T> {
    buf: VecDeque<T>,
    rx_waker: Option<Waker>,
    /// The receiver is dropped: new values are dropped instead of queued.
    rx_dropped: bool,
}

/// Stores the receiver's waker and releases the queue lock; a waker it replaces is dropped
/// after that, since a waker's drop may run arbitrary code (send on this very channel).
fn register_rx_waker<T>(mut q: MutexGuard<'_, Queue<T>>, waker: &Waker) {
    let replaced = match &mut q.rx_waker {
        Some(w) if w.will_wake(waker) => None,
        slot => slot.replace(waker.clone()),
    };
    drop(q);
    drop(replaced);
}

pub(crate) struct Chan<T> {
    queue: Mutex<Queue<T>>,
    /// Free slots (bounded); unused by the unbounded flavour except for `close`.
    pub(crate) sem: RawSemaphore,
    /// The capacity, or 0 for unbounded.
    pub(crate) bound: usize,
    tx_count: AtomicUsize,
    weak_count: AtomicUsize,
    rx_closed: AtomicBool,
    closed_notify: Notify,
}

// The queue and the counters change only under the queue's lock or atomically, and values
// are moved, never inspected, so a panic elsewhere cannot leave a half-sent message: the
// channel handles are unwind-safe for any `T`, as tokio's.
impl<T> std::panic::UnwindSafe for Chan<T> {}
impl<T> std::panic::RefUnwindSafe for Chan<T> {}

impl<T> Chan<T> {
    pub(crate) fn new(bound: usize) -> Chan<T> {
        Chan {
            queue: Mutex::new(Queue {
                buf: VecDeque::new(),
                rx_waker: None,
                rx_dropped: false,
            }),
            sem: RawSemaphore::new(bound),
            bound,
            tx_count: AtomicUsize::new(1),
            weak_count: AtomicUsize::new(0),
            rx_closed: AtomicBool::new(false),
            closed_notify: Notify::new(),
        }
    }

    /// Queues `value` (a slot is already reserved, for bounded channels).
    pub(crate) fn push(&self, value: T) {
        let mut q = self.queue.lock();
        if q.rx_dropped {
            drop(q);
            drop(value);
            return;
        }
        q.buf.push_back(value);
        let waker = q.rx_waker.take();
        drop(q);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Unbounded send: queues unless the receiver is closed.
    pub(crate) fn push_unbounded(&self, value: T) -> Result<(), T> {
        let mut q = self.queue.lock();
        if self.rx_closed.load(Relaxed) {
            return Err(value);
        }
        q.buf.push_back(value);
        let waker = q.rx_waker.take();
        drop(q);
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Gives back `n` reserved slots that were not used.
    pub(crate) fn release_slots(&self, n: usize) {
        self.sem.release(n);
        self.wake_rx_if_idle();
    }

    /// Waits for `n` free slots. A reservation that fails or is dropped gives back the
    /// slots it was already granted, and on a closed channel those may be the last ones
    /// the receiver waits for before it can report the end: wake it then.
    pub(crate) async fn acquire_slots(&self, n: usize) -> Result<(), AcquireError> {
        struct WakeRxIfIdle<'a, T>(&'a Chan<T>);
        impl<T> Drop for WakeRxIfIdle<'_, T> {
            fn drop(&mut self) {
                self.0.wake_rx_if_idle();
            }
        }
        let guard = WakeRxIfIdle(self);
        // The acquisition future is a temporary of this statement: dropped (giving back
        // its permits) before `guard`, also when the whole future is cancelled.
        let res = self.sem.acquire(n).await;
        if res.is_ok() {
            // The caller's permits take over the job of waking the receiver.
            std::mem::forget(guard);
        }
        res
    }

    /// A closed receiver waits for every reserved slot to come back (a holder could still
    /// send): wake it once none is out.
    ///
    /// Closing is read from the semaphore's own word, after the caller's release changed
    /// that word: if `close` came first we see it; if not, the receiver's check after
    /// `close` sees our release. Either way one side sees the other.
    fn wake_rx_if_idle(&self) {
        if self.sem.is_closed() && self.sem.available_permits() == self.bound {
            self.wake_rx();
        }
    }

    fn wake_rx(&self) {
        let waker = self.queue.lock().rx_waker.take();
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// No message can ever arrive again (checked with the queue empty, under its lock).
    fn is_finished(&self) -> bool {
        if self.tx_count.load(Acquire) == 0 {
            return true;
        }
        self.rx_closed.load(Relaxed)
            && (self.bound == 0 || self.sem.available_permits() == self.bound)
    }

    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = ready!(crate::hooks::poll_proceed(cx));
        let mut q = self.queue.lock();
        if let Some(value) = q.buf.pop_front() {
            drop(q);
            if self.bound != 0 {
                self.sem.release(1);
            }
            coop.made_progress();
            return Poll::Ready(Some(value));
        }
        if self.is_finished() {
            coop.made_progress();
            return Poll::Ready(None);
        }
        register_rx_waker(q, cx.waker());
        Poll::Pending
    }

    pub(crate) fn poll_recv_many(
        &self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = ready!(crate::hooks::poll_proceed(cx));
        let mut q = self.queue.lock();
        let n = q.buf.len().min(limit);
        if n > 0 {
            buffer.reserve(n);
            buffer.extend(q.buf.drain(..n));
            drop(q);
            if self.bound != 0 {
                self.sem.release(n);
            }
            coop.made_progress();
            return Poll::Ready(n);
        }
        if self.is_finished() {
            coop.made_progress();
            return Poll::Ready(0);
        }
        register_rx_waker(q, cx.waker());
        Poll::Pending
    }

    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut q = self.queue.lock();
        if let Some(value) = q.buf.pop_front() {
            drop(q);
            if self.bound != 0 {
                self.sem.release(1);
            }
            return Ok(value);
        }
        if self.is_finished() {
            Err(TryRecvError::Disconnected)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.lock().buf.len()
    }

    /// The receiver closes the channel: no more sends; queued values stay receivable.
    pub(crate) fn close_rx(&self) {
        {
            let _q = self.queue.lock();
            self.rx_closed.store(true, Release);
        }
        self.sem.close();
        self.closed_notify.notify_waiters();
    }

    /// The receiver is dropped: close, and drop every queued value.
    pub(crate) fn drop_rx(&self) {
        self.close_rx();
        let buf = {
            let mut q = self.queue.lock();
            q.rx_dropped = true;
            // Dropped with the values, outside the lock.
            (q.rx_waker.take(), std::mem::take(&mut q.buf))
        };
        let (waker, buf) = buf;
        let n = buf.len();
        drop(waker);
        drop(buf);
        if self.bound != 0 {
            self.sem.release(n);
        }
    }

    pub(crate) fn is_rx_closed(&self) -> bool {
        self.rx_closed.load(Acquire)
    }

    /// Waits until the receiver closes or is dropped.
    pub(crate) async fn closed(&self) {
        loop {
            let notified = self.closed_notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.is_rx_closed() {
                return;
            }
            notified.await;
        }
    }

    pub(crate) fn add_sender(&self) {
        self.tx_count.fetch_add(1, Relaxed);
    }

    /// Drops a strong sender; the last one wakes the receiver to see the end.
    pub(crate) fn drop_sender(&self) {
        if self.tx_count.fetch_sub(1, AcqRel) == 1 {
            self.wake_rx();
        }
    }

    /// Turns a weak sender into a strong one, unless every strong sender is gone.
    pub(crate) fn upgrade(&self) -> bool {
        let mut n = self.tx_count.load(Relaxed);
        loop {
            if n == 0 {
                return false;
            }
            match self
                .tx_count
                .compare_exchange_weak(n, n + 1, AcqRel, Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => n = actual,
            }
        }
    }

    pub(crate) fn strong_count(&self) -> usize {
        self.tx_count.load(Acquire)
    }

    pub(crate) fn weak_count(&self) -> usize {
        self.weak_count.load(Acquire)
    }

    pub(crate) fn add_weak(&self) {
        self.weak_count.fetch_add(1, Relaxed);
    }

    pub(crate) fn drop_weak(&self) {
        self.weak_count.fetch_sub(1, Relaxed);
    }
}
