//! In-memory pipes: [`duplex`] ([`DuplexStream`]), and [`simplex`] ([`SimplexStream`]).
//!
//! A [`SimplexStream`] is a bounded byte buffer with a reader's and a writer's waker. A
//! [`DuplexStream`] pair is two of them crossed, each behind a lock: what one end writes,
//! the other reads. Both spend the coop budget once per read or write, like sockets do.
//!
//! No waker is woken or dropped while a lock is held: a waker may own the peer stream, and
//! its drop (or wake) then locks the same pipe. Every waker taken out under a lock comes back
//! as an [`Unlocked`] and is handled after the guard is gone.

use crate::io::split::{split, ReadHalf, WriteHalf};
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::loom::sync::{Arc, Mutex};
use magpie_sched::coop;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// A bidirectional pipe to read and write bytes in memory.
///
/// A pair of `DuplexStream`s are created together, and they act as a "channel" that can be
/// used as in-memory IO types. Writing to one of the pairs will allow that data to be read
/// from the other, and vice versa.
///
/// # Closing a `DuplexStream`
///
/// If one end of the `DuplexStream` channel is dropped, any pending reads on the other side
/// will continue to read data until the buffer is drained, then they will signal EOF by
/// returning 0 bytes. Any writes to the other side, including pending ones (that are
/// waiting for free space in the buffer) will return `Err(BrokenPipe)` immediately.
///
/// Shutting down the write side of one end (with
/// [`shutdown`](crate::io::AsyncWriteExt::shutdown)) makes the other end read EOF once it
/// has drained the buffer.
///
/// # Example
///
/// ```
/// use magpie_reactor::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// # futures::executor::block_on(async {
/// let (mut client, mut server) = io::duplex(64);
/// client.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct DuplexStream {
    read: Arc<Mutex<SimplexStream>>,
    write: Arc<Mutex<SimplexStream>>,
}

/// A unidirectional pipe to read and write bytes in memory.
///
/// It can be constructed by [`simplex`] function which will create a pair of reader and
/// writer or by calling [`SimplexStream::new_unsplit`] that will create a handle for both
/// reading and writing.
///
/// # Example
///
/// ```
/// use magpie_reactor::io::{self, AsyncReadExt, AsyncWriteExt};
///
/// # futures::executor::block_on(async {
/// let (mut receiver, mut sender) = io::simplex(64);
/// sender.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// receiver.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct SimplexStream {
    /// The buffer storing the bytes written, also read from.
    buffer: VecDeque<u8>,
    /// Set by the writer's shutdown or drop, or the reader's drop: reads see EOF once the
    /// buffer is drained, writes fail with `BrokenPipe`.
    is_closed: bool,
    /// The maximum amount of bytes that can be written before returning `Poll::Pending`.
    max_buf_size: usize,
    /// If the `read` side has been polled and is pending, this is the waker for that
    /// parked task.
    read_waker: Option<Waker>,
    /// If the `write` side has filled the `max_buf_size` and returned `Poll::Pending`, this
    /// is the waker for that parked task.
    write_waker: Option<Waker>,
}

/// Creates a new pair of `DuplexStream`s that act like a pair of connected sockets.
///
/// The `max_buf_size` argument is the maximum amount of bytes that can be written to a side
/// before the write returns `Poll::Pending`.
///
/// # Panics
///
/// Panics if `max_buf_size` is zero: no write could ever complete.
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    let two = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// Creates unidirectional buffer that acts like in memory pipe.
///
/// The `max_buf_size` argument is the maximum amount of bytes that can be written to a
/// buffer before the it returns `Poll::Pending`.
///
/// # Unify reader and writer
///
/// The reader and writer half can be unified into a single structure of `SimplexStream`
/// that supports both reading and writing or the `SimplexStream` can be already created as
/// unified structure using [`SimplexStream::new_unsplit()`].
///
/// The reader reads EOF once the writer is shut down and the buffer drained; dropping the
/// writer half alone does not close the stream, as both halves share it.
///
/// # Panics
///
/// Panics if `max_buf_size` is zero.
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

impl DuplexStream {
    fn poll_read_side(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let budget = ready!(coop::poll_proceed(cx));
        let (res, after) = self.read.lock().read_into(cx, buf);
        after.run();
        if res.is_ready() {
            budget.made_progress();
        }
        res
    }

    fn poll_write_side(
        &self,
        cx: &mut Context<'_>,
        empty: bool,
        write: impl FnOnce(&mut SimplexStream) -> usize,
    ) -> Poll<io::Result<usize>> {
        let budget = ready!(coop::poll_proceed(cx));
        let (res, after) = self.write.lock().write_with(cx, empty, write);
        after.run();
        if res.is_ready() {
            budget.made_progress();
        }
        res
    }
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_side(cx, buf)
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_side(cx, buf.is_empty(), |s| s.push(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_side(cx, all_empty(bufs), |s| s.push_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let wake = self.write.lock().close_write();
        if let Some(w) = wake {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        // Our write side is the peer's read side: it reads EOF after the buffered bytes.
        let wake_reader = self.write.lock().close_write();
        // Our read side is the peer's write side: its writes now fail.
        let wake_writer = self.read.lock().close_read();
        wake_reader
            .into_iter()
            .chain(wake_writer)
            .for_each(Waker::wake);
    }
}

impl SimplexStream {
    /// Creates unidirectional buffer that acts like in memory pipe. To create split version
    /// with separate reader and writer you can use [`simplex`] function.
    ///
    /// The `max_buf_size` argument is the maximum amount of bytes that can be written to a
    /// buffer before the it returns `Poll::Pending`.
    ///
    /// # Panics
    ///
    /// Panics if `max_buf_size` is zero.
    #[track_caller]
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        assert!(
            max_buf_size > 0,
            "`max_buf_size` must be greater than 0: no write could ever complete"
        );
        SimplexStream {
            buffer: VecDeque::new(),
            is_closed: false,
            max_buf_size,
            read_waker: None,
            write_waker: None,
        }
    }

    /// Moves buffered bytes into `buf`; hands back the writer's waker to wake if room was
    /// made, or the waker this read replaced.
    fn read_into(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> (Poll<io::Result<()>>, Unlocked) {
        if buf.remaining() == 0 {
            // Nothing asked, nothing to wait for: a read into a full `buf` never parks.
            return (Poll::Ready(Ok(())), Unlocked::Nothing);
        }
        if !self.buffer.is_empty() {
            let n = self.buffer.len().min(buf.remaining());
            let (a, b) = self.buffer.as_slices();
            let from_a = n.min(a.len());
            buf.put_slice(&a[..from_a]);
            buf.put_slice(&b[..n - from_a]);
            self.buffer.drain(..n);
            // `buf` had room (checked above), so `n > 0`: room was made for the writer.
            (Poll::Ready(Ok(())), Unlocked::wake(self.write_waker.take()))
        } else if self.is_closed {
            (Poll::Ready(Ok(())), Unlocked::Nothing)
        } else {
            (Poll::Pending, register(&mut self.read_waker, cx))
        }
    }

    /// Runs `push` if there is room; hands back the reader's waker to wake if bytes were
    /// added, or the waker this write replaced. `empty` says that `push` has no bytes to add.
    fn write_with(
        &mut self,
        cx: &mut Context<'_>,
        empty: bool,
        push: impl FnOnce(&mut SimplexStream) -> usize,
    ) -> (Poll<io::Result<usize>>, Unlocked) {
        if self.is_closed {
            return (
                Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
                Unlocked::Nothing,
            );
        }
        if empty {
            // Writing nothing completes at once even into a full buffer, like a socket's
            // zero-length write; it still reports a closed pipe (checked above).
            return (Poll::Ready(Ok(0)), Unlocked::Nothing);
        }
        if self.buffer.len() >= self.max_buf_size {
            return (Poll::Pending, register(&mut self.write_waker, cx));
        }
        let n = push(self);
        let wake = if n > 0 { self.read_waker.take() } else { None };
        (Poll::Ready(Ok(n)), Unlocked::wake(wake))
    }

    fn push(&mut self, buf: &[u8]) -> usize {
        let n = buf.len().min(self.max_buf_size - self.buffer.len());
        self.buffer.extend(&buf[..n]);
        n
    }

    fn push_vectored(&mut self, bufs: &[IoSlice<'_>]) -> usize {
        let mut total = 0;
        for b in bufs {
            let n = self.push(b);
            total += n;
            if n < b.len() {
                break;
            }
        }
        total
    }

    fn close_write(&mut self) -> Option<Waker> {
        self.is_closed = true;
        self.read_waker.take()
    }

    fn close_read(&mut self) -> Option<Waker> {
        self.is_closed = true;
        self.write_waker.take()
    }

    fn poll_own_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let budget = ready!(coop::poll_proceed(cx));
        let (res, after) = self.read_into(cx, buf);
        after.run();
        if res.is_ready() {
            budget.made_progress();
        }
        res
    }

    fn poll_own_write(
        &mut self,
        cx: &mut Context<'_>,
        empty: bool,
        push: impl FnOnce(&mut SimplexStream) -> usize,
    ) -> Poll<io::Result<usize>> {
        let budget = ready!(coop::poll_proceed(cx));
        let (res, after) = self.write_with(cx, empty, push);
        after.run();
        if res.is_ready() {
            budget.made_progress();
        }
        res
    }
}

fn all_empty(bufs: &[IoSlice<'_>]) -> bool {
    bufs.iter().all(|b| b.is_empty())
}

/// Stores `cx`'s waker in `slot`, skipping the clone if the same task is already there.
///
/// The waker it replaces is handed back, to be dropped once the lock is released.
fn register(slot: &mut Option<Waker>, cx: &Context<'_>) -> Unlocked {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => Unlocked::Nothing,
        _ => Unlocked::replaced(slot.replace(cx.waker().clone())),
    }
}

/// A waker taken out of a [`SimplexStream`] under its lock, to be dealt with after it.
#[must_use = "a taken waker must be woken or dropped after the lock is released"]
enum Unlocked {
    Nothing,
    /// The peer's waker: progress was made for it.
    Wake(Waker),
    /// A replaced waker of our own side: only dropped.
    Drop(Waker),
}

impl Unlocked {
    fn wake(waker: Option<Waker>) -> Unlocked {
        waker.map_or(Unlocked::Nothing, Unlocked::Wake)
    }

    fn replaced(waker: Option<Waker>) -> Unlocked {
        waker.map_or(Unlocked::Nothing, Unlocked::Drop)
    }

    /// Wakes or drops the waker; call only with no stream lock held.
    fn run(self) {
        match self {
            Unlocked::Wake(w) => w.wake(),
            Unlocked::Drop(w) => drop(w),
            Unlocked::Nothing => {}
        }
    }
}

impl AsyncRead for SimplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().poll_own_read(cx, buf)
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_own_write(cx, buf.is_empty(), |s| s.push(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_own_write(cx, all_empty(bufs), |s| s.push_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(w) = self.get_mut().close_write() {
            w.wake();
        }
        Poll::Ready(Ok(()))
    }
}
