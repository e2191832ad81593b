//! [`BufWriter`]: collects small writes in memory and passes them on in large ones.

use super::DEFAULT_BUF_SIZE;
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use std::fmt;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Wraps a writer and buffers its output.
///
/// It can be excessively inefficient to work directly with something that implements
/// [`AsyncWrite`]. A `BufWriter` keeps an in-memory buffer of data and writes it to an
/// underlying writer in large, infrequent batches.
///
/// `BufWriter` can improve the speed of programs that make *small* and *repeated* write
/// calls to the same file or network socket. It does not help when writing very large
/// amounts at once, or writing just one or a few times. It also provides no advantage when
/// writing to a destination that is in memory, like a `Vec<u8>`.
///
/// When the `BufWriter` is dropped, the contents of its buffer are **discarded**: unlike
/// std's, it cannot write them out without a task to run on. Call
/// [`flush`](crate::io::AsyncWriteExt::flush) (or
/// [`shutdown`](crate::io::AsyncWriteExt::shutdown)) before dropping it.
///
/// # Examples
///
/// ```
/// use magpie_reactor::io::{AsyncWriteExt, BufWriter};
///
/// # futures::executor::block_on(async {
/// let mut out = BufWriter::new(Vec::new());
/// out.write_all(b"buffered").await?;
/// assert!(out.get_ref().is_empty());
/// out.flush().await?;
/// assert_eq!(out.get_ref(), b"buffered");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct BufWriter<W> {
    inner: W,
    state: WriteState,
}

pub(super) struct WriteState {
    buf: Vec<u8>,
    /// Bytes at the front of `buf` already written by an unfinished flush.
    written: usize,
    seek: SeekState,
}

#[derive(Debug, Clone, Copy)]
enum SeekState {
    /// No seek started through this `BufWriter`.
    Idle,
    /// `start_seek` was called; the buffer must be flushed before the inner seek starts.
    Start(SeekFrom),
    /// The inner seek is in progress.
    Pending,
}

impl WriteState {
    #[inline]
    fn spare_capacity(&self) -> usize {
        self.buf.capacity() - self.buf.len()
    }

    /// Writes out the buffer; on `Pending`, the written prefix is remembered.
    fn poll_flush_buf<W: AsyncWrite + ?Sized>(
        &mut self,
        mut inner: Pin<&mut W>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let len = self.buf.len();
        let mut ret = Ok(());
        while self.written < len {
            match ready!(inner.as_mut().poll_write(cx, &self.buf[self.written..])) {
                Ok(0) => {
                    ret = Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "failed to write the buffered data",
                    ));
                    break;
                }
                Ok(n) => self.written = (self.written + n).min(len),
                // An interrupted write wrote nothing: retry it, as std's `BufWriter` does.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    ret = Err(e);
                    break;
                }
            }
        }
        if self.written > 0 {
            self.buf.drain(..self.written);
        }
        self.written = 0;
        Poll::Ready(ret)
    }
}

impl<W: AsyncWrite> BufWriter<W> {
    /// Creates a new `BufWriter` with a default buffer capacity. The default is currently
    /// 8 KiB, but may change in the future.
    pub fn new(inner: W) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Creates a new `BufWriter` with the specified buffer capacity.
    pub fn with_capacity(cap: usize, inner: W) -> Self {
        BufWriter {
            inner,
            state: WriteState {
                buf: Vec::with_capacity(cap),
                written: 0,
                seek: SeekState::Idle,
            },
        }
    }
}

impl<W> BufWriter<W> {
    /// Gets a reference to the underlying writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Gets a mutable reference to the underlying writer.
    ///
    /// It is inadvisable to directly write to the underlying writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Gets a pinned mutable reference to the underlying writer.
    ///
    /// It is inadvisable to directly write to the underlying writer.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut W> {
        self.project().0
    }

    /// Consumes this `BufWriter`, returning the underlying writer.
    ///
    /// Note that any leftover data in the internal buffer is lost.
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// Returns a reference to the internally buffered data.
    pub fn buffer(&self) -> &[u8] {
        &self.state.buf
    }

    #[inline]
    /// Takes the writer apart, unwritten bytes included (for `BufStream`'s conversions).
    pub(super) fn into_parts(self) -> (W, WriteState) {
        (self.inner, self.state)
    }

    pub(super) fn from_parts(inner: W, state: WriteState) -> Self {
        BufWriter { inner, state }
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut W>, &mut WriteState) {
        // SAFETY: `inner` is structurally pinned: `BufWriter` never moves it out while
        // pinned and has no `Drop` impl; `state` is never pinned.
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.state)
        }
    }
}

impl<W: AsyncWrite> AsyncWrite for BufWriter<W> {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (mut inner, state) = self.project();
        if buf.len() > state.spare_capacity() {
            ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        }
        if buf.len() >= state.buf.capacity() {
            // At least a whole buffer's worth: buffering would only add a copy.
            inner.poll_write(cx, buf)
        } else {
            state.buf.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let (mut inner, state) = self.project();
        if inner.is_write_vectored() {
            let total = bufs
                .iter()
                .fold(0usize, |acc, b| acc.saturating_add(b.len()));
            if total > state.spare_capacity() {
                ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
            }
            if total >= state.buf.capacity() {
                // Hand the slices straight to the writer (a saturated `total` lands here).
                return inner.poll_write_vectored(cx, bufs);
            }
            bufs.iter().for_each(|b| state.buf.extend_from_slice(b));
            return Poll::Ready(Ok(total));
        }

        // Without a vectored writer, buffer as many whole slices as fit.
        while bufs.first().is_some_and(|b| b.is_empty()) {
            bufs = &bufs[1..];
        }
        let Some(first) = bufs.first() else {
            return Poll::Ready(Ok(0));
        };
        if first.len() > state.spare_capacity() {
            ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        }
        if first.len() >= state.buf.capacity() {
            return inner.poll_write(cx, first);
        }
        state.buf.extend_from_slice(first);
        let mut total = first.len();
        for b in &bufs[1..] {
            if b.len() > state.spare_capacity() {
                break;
            }
            state.buf.extend_from_slice(b);
            total += b.len();
        }
        Poll::Ready(Ok(total))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (mut inner, state) = self.project();
        ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (mut inner, state) = self.project();
        ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        inner.poll_shutdown(cx)
    }
}

impl<W: AsyncWrite + AsyncSeek> AsyncSeek for BufWriter<W> {
    /// Seeks to the offset, in bytes, in the underlying writer.
    ///
    /// Seeking always writes out the internal buffer before seeking (in
    /// [`poll_complete`](AsyncSeek::poll_complete), which carries the seek out).
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        // Flushing needs a `Context`: it happens in `poll_complete`.
        self.project().1.seek = SeekState::Start(pos);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (mut inner, state) = self.project();
        let pos = match state.seek {
            SeekState::Idle => return inner.poll_complete(cx),
            SeekState::Start(pos) => Some(pos),
            SeekState::Pending => None,
        };
        ready!(state.poll_flush_buf(inner.as_mut(), cx))?;
        if let Some(pos) = pos {
            // Let an earlier seek on the inner writer finish first.
            ready!(inner.as_mut().poll_complete(cx))?;
            if let Err(e) = inner.as_mut().start_seek(pos) {
                state.seek = SeekState::Idle;
                return Poll::Ready(Err(e));
            }
        }
        match inner.poll_complete(cx) {
            Poll::Ready(res) => {
                state.seek = SeekState::Idle;
                Poll::Ready(res)
            }
            Poll::Pending => {
                state.seek = SeekState::Pending;
                Poll::Pending
            }
        }
    }
}

impl<W: AsyncWrite + AsyncRead> AsyncRead for BufWriter<W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_read(cx, buf)
    }
}

impl<W: AsyncWrite + AsyncBufRead> AsyncBufRead for BufWriter<W> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.get_pin_mut().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.get_pin_mut().consume(amt)
    }
}

impl<W: fmt::Debug> fmt::Debug for BufWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufWriter")
            .field("writer", &self.inner)
            .field(
                "buffer",
                &format_args!("{}/{}", self.state.buf.len(), self.state.buf.capacity()),
            )
            .field("written", &self.state.written)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncSeekExt, AsyncWriteExt};
    use futures::executor::block_on;
    use std::io::Cursor;

    #[test]
    fn buffers_until_full_then_flushes() {
        block_on(async {
            let mut w = BufWriter::with_capacity(4, Vec::new());
            w.write_all(b"ab").await.unwrap();
            w.write_all(b"cd").await.unwrap();
            assert!(w.get_ref().is_empty());
            assert_eq!(w.buffer(), b"abcd");
            w.write_all(b"e").await.unwrap();
            assert_eq!(w.get_ref(), b"abcd");
            assert_eq!(w.buffer(), b"e");
            // Large writes go straight through after flushing.
            w.write_all(b"0123456789").await.unwrap();
            assert_eq!(w.get_ref(), b"abcde0123456789");
            assert!(w.buffer().is_empty());
        });
    }

    #[test]
    fn vectored_into_vectored_writer() {
        block_on(async {
            let mut w = BufWriter::with_capacity(8, Vec::new());
            let bufs = [IoSlice::new(b"ab"), IoSlice::new(b""), IoSlice::new(b"cd")];
            assert_eq!(w.write_vectored(&bufs).await.unwrap(), 4);
            assert_eq!(w.buffer(), b"abcd");
            let big = [IoSlice::new(b"0123"), IoSlice::new(b"456789")];
            assert_eq!(w.write_vectored(&big).await.unwrap(), 10);
            assert_eq!(w.get_ref(), b"abcd0123456789");
        });
    }

    #[test]
    fn seek_flushes_first() {
        block_on(async {
            let mut w = BufWriter::new(Cursor::new(vec![0u8; 8]));
            w.write_all(b"xy").await.unwrap();
            assert_eq!(w.seek(SeekFrom::Start(5)).await.unwrap(), 5);
            w.write_all(b"z").await.unwrap();
            w.flush().await.unwrap();
            assert_eq!(w.get_ref().get_ref(), b"xy\0\0\0z\0\0");
            assert_eq!(w.seek(SeekFrom::Current(0)).await.unwrap(), 6);
        });
    }

    #[test]
    fn debug_shows_fill() {
        let w = BufWriter::with_capacity(8, Vec::<u8>::new());
        assert!(format!("{w:?}").contains("0/8"));
    }
}
