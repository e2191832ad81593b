//! Adapters between magpie's (tokio's) io traits and the `futures` crate's.
//!
//! Wrap a value in [`Compat`] with one of the extension traits and it implements the other
//! family's traits: `.compat()` / `.compat_write()` on a `futures_io` type gives a magpie
//! `AsyncRead`/`AsyncWrite`, and the same calls on a magpie type give a `futures_io` one.
//! [`LinesStream`] and [`SplitStream`] turn [`Lines`] and [`Split`] into `futures` streams.
//! This is the shape of `tokio_util::compat` and `tokio_stream::wrappers`.
//!
//! # Examples
//!
//! ```
//! use futures::io::AsyncReadExt as _;
//! use magpie_reactor::io::compat::TokioAsyncReadCompatExt;
//!
//! # futures::executor::block_on(async {
//! // A magpie reader used where a `futures::io::AsyncRead` is expected.
//! let mut reader = (&b"hello"[..]).compat();
//! let mut out = String::new();
//! reader.read_to_string(&mut out).await?;
//! assert_eq!(out, "hello");
//! # std::io::Result::Ok(()) }).unwrap();
//! ```

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, Lines, ReadBuf, Split};
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A compatibility layer that allows conversion between the magpie (tokio) and `futures-io`
/// `AsyncRead`, `AsyncWrite`, `AsyncBufRead` and `AsyncSeek` traits.
#[derive(Debug)]
pub struct Compat<T> {
    inner: T,
    seek_pos: Option<SeekFrom>,
}

impl<T> Compat<T> {
    fn new(inner: T) -> Self {
        Compat {
            inner,
            seek_pos: None,
        }
    }

    /// Get a reference to the `Future`, `Stream`, `AsyncRead`, or `AsyncWrite` object
    /// contained within.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// Get a mutable reference to the `Future`, `Stream`, `AsyncRead`, or `AsyncWrite` object
    /// contained within.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Returns the wrapped item.
    pub fn into_inner(self) -> T {
        self.inner
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut T>, &mut Option<SeekFrom>) {
        // SAFETY: `inner` is structurally pinned: `Compat` never moves it out while pinned
        // and has no `Drop` impl; `seek_pos` is plain data.
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.seek_pos)
        }
    }
}

/// Extension trait that allows converting a type implementing `futures_io::AsyncRead` to
/// implement magpie's `AsyncRead`.
pub trait FuturesAsyncReadCompatExt: futures_io::AsyncRead {
    /// Wraps `self` with a compatibility layer that implements magpie's `AsyncRead`.
    fn compat(self) -> Compat<Self>
    where
        Self: Sized,
    {
        Compat::new(self)
    }
}

impl<T: futures_io::AsyncRead> FuturesAsyncReadCompatExt for T {}

/// Extension trait that allows converting a type implementing `futures_io::AsyncWrite` to
/// implement magpie's `AsyncWrite`.
pub trait FuturesAsyncWriteCompatExt: futures_io::AsyncWrite {
    /// Wraps `self` with a compatibility layer that implements magpie's `AsyncWrite`.
    fn compat_write(self) -> Compat<Self>
    where
        Self: Sized,
    {
        Compat::new(self)
    }
}

impl<T: futures_io::AsyncWrite> FuturesAsyncWriteCompatExt for T {}

/// Extension trait that allows converting a type implementing magpie's `AsyncRead` to
/// implement `futures_io::AsyncRead`.
pub trait TokioAsyncReadCompatExt: AsyncRead {
    /// Wraps `self` with a compatibility layer that implements `futures_io::AsyncRead`.
    fn compat(self) -> Compat<Self>
    where
        Self: Sized,
    {
        Compat::new(self)
    }
}

impl<T: AsyncRead> TokioAsyncReadCompatExt for T {}

/// Extension trait that allows converting a type implementing magpie's `AsyncWrite` to
/// implement `futures_io::AsyncWrite`.
pub trait TokioAsyncWriteCompatExt: AsyncWrite {
    /// Wraps `self` with a compatibility layer that implements `futures_io::AsyncWrite`.
    fn compat_write(self) -> Compat<Self>
    where
        Self: Sized,
    {
        Compat::new(self)
    }
}

impl<T: AsyncWrite> TokioAsyncWriteCompatExt for T {}

// ---- futures-io types as magpie types ----

impl<T: futures_io::AsyncRead> AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // `futures_io` reads into initialised memory only; `ReadBuf` remembers what it
        // initialised, so this zeroes each byte of a reused buffer at most once.
        let slice = buf.initialize_unfilled();
        let n = ready!(self.project().0.poll_read(cx, slice))?;
        assert!(
            n <= slice.len(),
            "futures_io::AsyncRead::poll_read reported more bytes than the buffer holds"
        );
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<T: futures_io::AsyncBufRead> AsyncBufRead for Compat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().0.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().0.consume(amt)
    }
}

impl<T: futures_io::AsyncWrite> AsyncWrite for Compat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().0.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().0.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().0.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().0.poll_close(cx)
    }
}

impl<T: futures_io::AsyncSeek> AsyncSeek for Compat<T> {
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        *self.project().1 = Some(pos);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (inner, seek_pos) = self.project();
        let pos = seek_pos.unwrap_or(SeekFrom::Current(0));
        let res = ready!(inner.poll_seek(cx, pos));
        *seek_pos = None;
        Poll::Ready(res)
    }
}

// ---- magpie types as futures-io types ----

impl<T: AsyncRead> futures_io::AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        slice: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(slice);
        ready!(self.project().0.poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl<T: AsyncBufRead> futures_io::AsyncBufRead for Compat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().0.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().0.consume(amt)
    }
}

impl<T: AsyncWrite> futures_io::AsyncWrite for Compat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().0.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().0.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().0.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().0.poll_shutdown(cx)
    }
}

impl<T: AsyncSeek> futures_io::AsyncSeek for Compat<T> {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let (mut inner, seek_pos) = self.project();
        // A repeated poll for the same seek must not start it again.
        if *seek_pos != Some(pos) {
            ready!(inner.as_mut().poll_complete(cx))?;
            inner.as_mut().start_seek(pos)?;
            *seek_pos = Some(pos);
        }
        let res = ready!(inner.poll_complete(cx));
        *seek_pos = None;
        Poll::Ready(res)
    }
}

// ---- streams ----

/// A `futures` [`Stream`](futures_core::Stream) of the lines of a [`Lines`].
///
/// Each item is one line without its newline, or an error.
#[derive(Debug)]
pub struct LinesStream<R> {
    inner: Lines<R>,
}

impl<R> LinesStream<R> {
    /// Creates a new `LinesStream`.
    pub fn new(lines: Lines<R>) -> Self {
        LinesStream { inner: lines }
    }

    /// Gets back the inner `Lines`.
    pub fn into_inner(self) -> Lines<R> {
        self.inner
    }

    /// Obtains a pinned reference to the inner `Lines`.
    pub fn as_pin_mut(self: Pin<&mut Self>) -> Pin<&mut Lines<R>> {
        // SAFETY: `inner` is structurally pinned: never moved out while pinned, no `Drop`.
        unsafe { self.map_unchecked_mut(|s| &mut s.inner) }
    }
}

impl<R> AsRef<Lines<R>> for LinesStream<R> {
    fn as_ref(&self) -> &Lines<R> {
        &self.inner
    }
}

impl<R> AsMut<Lines<R>> for LinesStream<R> {
    fn as_mut(&mut self) -> &mut Lines<R> {
        &mut self.inner
    }
}

impl<R: AsyncBufRead> futures_core::Stream for LinesStream<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.as_pin_mut().poll_next_line(cx).map(Result::transpose)
    }
}

/// A `futures` [`Stream`](futures_core::Stream) of the segments of a [`Split`].
#[derive(Debug)]
pub struct SplitStream<R> {
    inner: Split<R>,
}

impl<R> SplitStream<R> {
    /// Creates a new `SplitStream`.
    pub fn new(split: Split<R>) -> Self {
        SplitStream { inner: split }
    }

    /// Gets back the inner `Split`.
    pub fn into_inner(self) -> Split<R> {
        self.inner
    }

    /// Obtains a pinned reference to the inner `Split`.
    pub fn as_pin_mut(self: Pin<&mut Self>) -> Pin<&mut Split<R>> {
        // SAFETY: `inner` is structurally pinned: never moved out while pinned, no `Drop`.
        unsafe { self.map_unchecked_mut(|s| &mut s.inner) }
    }
}

impl<R> AsRef<Split<R>> for SplitStream<R> {
    fn as_ref(&self) -> &Split<R> {
        &self.inner
    }
}

impl<R> AsMut<Split<R>> for SplitStream<R> {
    fn as_mut(&mut self) -> &mut Split<R> {
        &mut self.inner
    }
}

impl<R: AsyncBufRead> futures_core::Stream for SplitStream<R> {
    type Item = io::Result<Vec<u8>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.as_pin_mut()
            .poll_next_segment(cx)
            .map(Result::transpose)
    }
}
