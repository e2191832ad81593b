//! A channel for sending a single value between tasks.
//!
//! The sender and receiver share one allocation with an atomic state word; the value and
//! the two wakers live in cells that the state word's bits hand back and forth, so sending,
//! receiving and waiting take no lock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Arc;

/// Errors of the `oneshot` channel.
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending (the error of awaiting a `Receiver`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Error of [`Receiver::try_recv`](super::Receiver::try_recv).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryRecvError {
        /// No value was sent yet.
        Empty,
        /// The sender was dropped without sending, or the value was already received.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

/// The receiver's waker is in `rx_task` and may be read by the sender.
const RX_TASK_SET: usize = 0b0001;
/// The value is in `value` and belongs to the receiver.
const VALUE_SENT: usize = 0b0010;
/// The receiver closed the channel, or the sender was dropped without sending.
const CLOSED: usize = 0b0100;
/// The sender's waker is in `tx_task` and may be read by the receiver.
const TX_TASK_SET: usize = 0b1000;

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    rx_task: UnsafeCell<Option<Waker>>,
    tx_task: UnsafeCell<Option<Waker>>,
}

// SAFETY: the cells are handed between the two halves by the state word: each cell has one
// writer at a time and readers only read after the bit that publishes it (Acquire/Release).
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

/// Sends the value; made by [`channel`].
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the value: a `Future` resolving to it, or to [`RecvError`] if the sender is
/// dropped first. Made by [`channel`].
///
/// # Cancel safety
///
/// Awaiting `&mut receiver` is cancel safe: a value that arrives stays in the channel until
/// the receiver is polled again or dropped.
pub struct Receiver<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Creates a one-shot channel.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let (tx, rx) = magpie_sync::oneshot::channel();
/// std::thread::spawn(move || tx.send(3).unwrap());
/// assert_eq!(rx.await, Ok(3));
/// # });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_task: UnsafeCell::new(None),
        tx_task: UnsafeCell::new(None),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner: Some(inner) },
    )
}

impl<T> Inner<T> {
    /// Registers `waker` in the cell guarded by `bit`; returns the state if the channel
    /// completed meanwhile (`done` bits set), in which case the cell was left alone.
    ///
    /// # Safety
    ///
    /// Only the half owning `bit` calls this, with `cell` being that half's waker cell.
    unsafe fn register(
        &self,
        bit: usize,
        done: usize,
        cell: &UnsafeCell<Option<Waker>>,
        waker: &Waker,
    ) -> Result<(), usize> {
        let mut state = self.state.load(Acquire);
        if state & done != 0 {
            return Err(state);
        }
        if state & bit != 0 {
            // SAFETY: while `bit` is set the other half only reads the cell; reading too.
            let same = cell.with(|w| unsafe { (*w).as_ref().is_some_and(|w| w.will_wake(waker)) });
            if same {
                return Ok(());
            }
            // Take the cell back before writing it.
            state = self.state.fetch_and(!bit, AcqRel);
            if state & done != 0 {
                // The other half may be reading the waker right now: leave it.
                self.state.fetch_or(bit, Release);
                return Err(state);
            }
        }
        // SAFETY: `bit` is clear, so the other half does not touch the cell.
        cell.with_mut(|w| unsafe { *w = Some(waker.clone()) });
        let state = self.state.fetch_or(bit, AcqRel);
        if state & done != 0 {
            return Err(state);
        }
        Ok(())
    }

    /// Wakes the waker in `cell` if `bit` was set in `state`.
    ///
    /// # Safety
    ///
    /// `state` was returned by the operation that set a `done` bit, so the owner of `bit`
    /// no longer writes the cell.
    unsafe fn wake(&self, state: usize, bit: usize, cell: &UnsafeCell<Option<Waker>>) {
        if state & bit != 0 {
            // SAFETY: see the contract: the other half only writes with `bit` clear, and it
            // observes our `done` bit before clearing it.
            cell.with(|w| unsafe {
                if let Some(w) = &*w {
                    w.wake_by_ref();
                }
            });
        }
    }

    fn take_value(&self) -> Option<T> {
        // SAFETY: called by the receiver after observing VALUE_SENT (Acquire); the sender no
        // longer touches the cell once it set the bit.
        self.value.with_mut(|v| unsafe { (*v).take() })
    }
}

impl<T> Sender<T> {
    /// Sends `t`; gives it back in `Err` if the receiver was dropped or closed.
    ///
    /// Never waits. On `Ok` the receiver will observe the value unless it is dropped first.
    pub fn send(mut self, t: T) -> Result<(), T> {
        let inner = self.inner.take().expect("oneshot Sender used after send");
        // SAFETY: the receiver reads `value` only after VALUE_SENT, not set yet.
        inner.value.with_mut(|v| unsafe { *v = Some(t) });
        let mut state = inner.state.load(Acquire);
        loop {
            if state & CLOSED != 0 {
                // SAFETY: VALUE_SENT was never set, so the cell is still ours.
                let t = inner.value.with_mut(|v| unsafe { (*v).take() });
                return Err(t.expect("the value was just written"));
            }
            match inner
                .state
                .compare_exchange_weak(state, state | VALUE_SENT, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        // SAFETY: we set VALUE_SENT, which the receiver checks before writing its waker.
        unsafe { inner.wake(state, RX_TASK_SET, &inner.rx_task) };
        Ok(())
    }

    /// Returns `true` if the receiver was dropped or [closed](Receiver::close).
    pub fn is_closed(&self) -> bool {
        let inner = self.inner.as_ref().expect("oneshot Sender used after send");
        inner.state.load(Acquire) & CLOSED != 0
    }

    /// Waits until the receiver is dropped or closed; `Ready` if it already is.
    ///
    /// Spends cooperative budget like [`closed`](Self::closed).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(crate::hooks::poll_proceed(cx));
        let inner = self.inner.as_ref().expect("oneshot Sender used after send");
        // SAFETY: only the sender registers in `tx_task` under TX_TASK_SET.
        match unsafe { inner.register(TX_TASK_SET, CLOSED, &inner.tx_task, cx.waker()) } {
            Ok(()) => Poll::Pending,
            Err(_) => {
                coop.made_progress();
                Poll::Ready(())
            }
        }
    }

    /// Waits until the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let state = inner.state.fetch_or(CLOSED, AcqRel);
            if state & (CLOSED | VALUE_SENT) == 0 {
                // SAFETY: we set CLOSED, which the receiver checks before writing its waker.
                unsafe { inner.wake(state, RX_TASK_SET, &inner.rx_task) };
            }
        }
    }
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: the sender can no longer send, and
    /// [`Sender::closed`] completes. A value sent before can still be received.
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            let state = inner.state.fetch_or(CLOSED, AcqRel);
            if state & (CLOSED | VALUE_SENT) == 0 {
                // SAFETY: we set CLOSED, which the sender checks before writing its waker.
                unsafe { inner.wake(state, TX_TASK_SET, &inner.tx_task) };
            }
        }
    }

    /// Takes the value if it was sent, without waiting.
    ///
    /// Fails with [`TryRecvError::Empty`] before the value is sent and with
    /// [`TryRecvError::Closed`] if the sender was dropped without sending or the value was
    /// already received.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else {
            return Err(TryRecvError::Closed);
        };
        let state = inner.state.load(Acquire);
        if state & VALUE_SENT != 0 {
            let value = inner.take_value();
            self.inner = None;
            return value.ok_or(TryRecvError::Closed);
        }
        if state & CLOSED != 0 {
            self.inner = None;
            return Err(TryRecvError::Closed);
        }
        Err(TryRecvError::Empty)
    }

    /// Waits for the value from synchronous code, blocking the thread.
    ///
    /// # Panics
    ///
    /// On a thread that drives asynchronous tasks (inside a runtime).
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::block::block_on(self)
    }

    /// Returns `true` once the receiver has produced its result (value or error), so
    /// polling it again would panic.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Returns `true` if no value is waiting to be received (also once terminated).
    pub fn is_empty(&self) -> bool {
        match &self.inner {
            None => true,
            Some(inner) => inner.state.load(Acquire) & VALUE_SENT == 0,
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self
            .inner
            .as_ref()
            .expect("called after complete: a oneshot Receiver was polled after it completed");
        let coop = ready!(crate::hooks::poll_proceed(cx));
        // SAFETY: only the receiver registers in `rx_task` under RX_TASK_SET.
        let state = match unsafe {
            inner.register(RX_TASK_SET, VALUE_SENT | CLOSED, &inner.rx_task, cx.waker())
        } {
            Ok(()) => return Poll::Pending,
            Err(state) => state,
        };
        coop.made_progress();
        let out = if state & VALUE_SENT != 0 {
            inner.take_value().ok_or(RecvError(()))
        } else {
            Err(RecvError(()))
        };
        self.inner = None;
        Poll::Ready(out)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.close();
        // A value sent but not received is dropped with the shared allocation.
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("terminated", &self.is_terminated())
            .finish()
    }
}
