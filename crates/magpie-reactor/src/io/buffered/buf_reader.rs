//! [`BufReader`]: adds an in-memory read buffer (and so [`AsyncBufRead`]) to any reader.

use super::DEFAULT_BUF_SIZE;
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use std::fmt;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The `BufReader` struct adds buffering to any reader.
///
/// It can be excessively inefficient to work directly with an [`AsyncRead`] instance. A
/// `BufReader` performs large, infrequent reads on the underlying [`AsyncRead`] and
/// maintains an in-memory buffer of the results.
///
/// `BufReader` can improve the speed of programs that make *small* and *repeated* read
/// calls to the same file or network socket. It does not help when reading very large
/// amounts at once, or reading just one or a few times. It also provides no advantage when
/// reading from a source that is already in memory, like a `Vec<u8>`.
///
/// When the `BufReader` is dropped, the contents of its buffer will be discarded. Creating
/// multiple instances of a `BufReader` on the same stream can cause data loss.
///
/// # Examples
///
/// ```
/// use magpie_reactor::io::{AsyncBufReadExt, BufReader};
///
/// # futures::executor::block_on(async {
/// let mut reader = BufReader::new(&b"alpha\nbeta\n"[..]);
/// let mut line = String::new();
/// reader.read_line(&mut line).await?;
/// assert_eq!(line, "alpha\n");
/// assert_eq!(reader.buffer(), b"beta\n");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct BufReader<R> {
    inner: R,
    state: ReadState,
}

pub(super) struct ReadState {
    buf: Box<[u8]>,
    /// Next unread byte of `buf`.
    pos: usize,
    /// End of the valid bytes of `buf`.
    cap: usize,
    seek: SeekState,
}

/// Progress of a seek across `start_seek` and `poll_complete`.
#[derive(Debug, Clone, Copy)]
enum SeekState {
    /// No seek started through this `BufReader`.
    Idle,
    /// `start_seek` was called; nothing was passed to the inner reader yet.
    Init(SeekFrom),
    /// A relative seek too far back to fold the buffered bytes into one offset: the inner
    /// reader is seeking back over the buffered bytes, and then must seek by the offset.
    Overflowed(i64),
    /// The inner seek is in progress.
    Pending,
}

impl ReadState {
    fn buffer(&self) -> &[u8] {
        &self.buf[self.pos..self.cap]
    }

    fn discard(&mut self) {
        self.pos = 0;
        self.cap = 0;
    }
}

impl<R: AsyncRead> BufReader<R> {
    /// Creates a new `BufReader` with a default buffer capacity. The default is currently
    /// 8 KiB, but may change in the future.
    pub fn new(inner: R) -> Self {
        Self::with_capacity(DEFAULT_BUF_SIZE, inner)
    }

    /// Creates a new `BufReader` with the specified buffer capacity.
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is zero: such a reader could never buffer a byte, and its
    /// `poll_fill_buf` would report EOF on every call.
    #[track_caller]
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        assert!(capacity > 0, "capacity must be greater than zero");
        BufReader {
            inner,
            state: ReadState {
                // Zeroed memory comes straight from the allocator's zero pages: no memset.
                buf: vec![0; capacity].into_boxed_slice(),
                pos: 0,
                cap: 0,
                seek: SeekState::Idle,
            },
        }
    }
}

impl<R> BufReader<R> {
    /// Gets a reference to the underlying reader.
    ///
    /// It is inadvisable to directly read from the underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Gets a mutable reference to the underlying reader.
    ///
    /// It is inadvisable to directly read from the underlying reader.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Gets a pinned mutable reference to the underlying reader.
    ///
    /// It is inadvisable to directly read from the underlying reader.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// Consumes this `BufReader`, returning the underlying reader.
    ///
    /// Note that any leftover data in the internal buffer is lost.
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Returns a reference to the internally buffered data.
    ///
    /// Unlike `fill_buf`, this will not attempt to fill the buffer if it is empty.
    pub fn buffer(&self) -> &[u8] {
        self.state.buffer()
    }

    #[inline]
    /// Takes the reader apart, buffered bytes included (for `BufStream`'s conversions).
    pub(super) fn into_parts(self) -> (R, ReadState) {
        (self.inner, self.state)
    }

    pub(super) fn from_parts(inner: R, state: ReadState) -> Self {
        BufReader { inner, state }
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut ReadState) {
        // SAFETY: `inner` is structurally pinned: `BufReader` never moves it out while
        // pinned and has no `Drop` impl; `state` is never pinned.
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.state)
        }
    }
}

impl<R: AsyncRead> AsyncRead for BufReader<R> {
    #[inline]
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // With nothing buffered and a read at least as large as our buffer, copying through
        // the buffer is pure overhead: read straight into the caller's.
        let (inner, state) = self.as_mut().project();
        if state.pos == state.cap && buf.remaining() >= state.buf.len() {
            let res = ready!(inner.poll_read(cx, buf));
            state.discard();
            return Poll::Ready(res);
        }
        let rem = ready!(self.as_mut().poll_fill_buf(cx))?;
        let amt = std::cmp::min(rem.len(), buf.remaining());
        buf.put_slice(&rem[..amt]);
        self.consume(amt);
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncRead> AsyncBufRead for BufReader<R> {
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, state) = self.project();
        if state.pos >= state.cap {
            let mut buf = ReadBuf::new(&mut state.buf);
            ready!(inner.poll_read(cx, &mut buf))?;
            // Clamped in case a broken reader swapped the `ReadBuf` for a larger one.
            state.cap = buf.filled().len().min(state.buf.len());
            state.pos = 0;
        }
        Poll::Ready(Ok(state.buffer()))
    }

    #[inline]
    fn consume(self: Pin<&mut Self>, amt: usize) {
        let state = self.project().1;
        state.pos = std::cmp::min(state.pos + amt, state.cap);
    }
}

impl<R: AsyncRead + AsyncSeek> AsyncSeek for BufReader<R> {
    /// Seeks to an offset, in bytes, in the underlying reader.
    ///
    /// The position used for seeking with `SeekFrom::Current(_)` is the position the
    /// underlying reader would be at if the `BufReader` had no internal buffer.
    ///
    /// Seeking always discards the internal buffer, even if the seek position would
    /// otherwise fall within it.
    ///
    /// The seek only starts here; it is carried out by
    /// [`poll_complete`](AsyncSeek::poll_complete), which must be called (and, as always,
    /// before another `start_seek`).
    fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
        // The inner seek may need two steps, each needing a `Context`: start it in
        // `poll_complete`.
        self.project().1.seek = SeekState::Init(pos);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (mut inner, state) = self.project();
        let res = match std::mem::replace(&mut state.seek, SeekState::Idle) {
            // No seek was started here, but the inner reader may still have one in flight
            // (a seek is to be preceded by `poll_complete` for just that reason): wait for
            // it, as tokio does. The buffer is kept, since our position did not move.
            SeekState::Idle => return inner.poll_complete(cx),
            SeekState::Pending => inner.as_mut().poll_complete(cx),
            SeekState::Init(SeekFrom::Current(n)) => {
                // The inner reader is ahead of our logical position by the buffered bytes.
                let buffered = (state.cap - state.pos) as i64;
                match n.checked_sub(buffered) {
                    Some(offset) => {
                        inner.as_mut().start_seek(SeekFrom::Current(offset))?;
                        inner.as_mut().poll_complete(cx)
                    }
                    None => {
                        // `n - buffered` underflows i64: step back over the buffer first.
                        inner.as_mut().start_seek(SeekFrom::Current(-buffered))?;
                        match inner.as_mut().poll_complete(cx)? {
                            Poll::Pending => {
                                state.seek = SeekState::Overflowed(n);
                                return Poll::Pending;
                            }
                            Poll::Ready(_) => {
                                state.discard();
                                inner.as_mut().start_seek(SeekFrom::Current(n))?;
                                inner.as_mut().poll_complete(cx)
                            }
                        }
                    }
                }
            }
            SeekState::Overflowed(n) => match inner.as_mut().poll_complete(cx)? {
                Poll::Pending => {
                    state.seek = SeekState::Overflowed(n);
                    return Poll::Pending;
                }
                Poll::Ready(_) => {
                    state.discard();
                    inner.as_mut().start_seek(SeekFrom::Current(n))?;
                    inner.as_mut().poll_complete(cx)
                }
            },
            SeekState::Init(pos) => {
                // `Start` and `End` do not depend on what is buffered.
                inner.as_mut().start_seek(pos)?;
                inner.as_mut().poll_complete(cx)
            }
        };
        match res {
            Poll::Ready(res) => {
                state.discard();
                Poll::Ready(res)
            }
            Poll::Pending => {
                state.seek = SeekState::Pending;
                Poll::Pending
            }
        }
    }
}

impl<R: AsyncRead + AsyncWrite> AsyncWrite for BufReader<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_pin_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.get_ref().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_pin_mut().poll_shutdown(cx)
    }
}

impl<R: fmt::Debug> fmt::Debug for BufReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufReader")
            .field("reader", &self.inner)
            .field(
                "buffer",
                &format_args!(
                    "{}/{}",
                    self.state.cap - self.state.pos,
                    self.state.buf.len()
                ),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncReadExt, AsyncSeekExt};
    use futures::executor::block_on;
    use std::io::Cursor;

    #[test]
    fn small_reads_are_served_from_the_buffer() {
        block_on(async {
            let mut r = BufReader::with_capacity(4, &b"abcdefghij"[..]);
            let mut b = [0u8; 2];
            r.read_exact(&mut b).await.unwrap();
            assert_eq!(&b, b"ab");
            assert_eq!(r.buffer(), b"cd");
            assert_eq!(*r.get_ref(), b"efghij");
        });
    }

    #[test]
    fn large_read_bypasses_an_empty_buffer() {
        block_on(async {
            let mut r = BufReader::with_capacity(4, &b"abcdefghij"[..]);
            let mut b = [0u8; 8];
            assert_eq!(r.read(&mut b).await.unwrap(), 8);
            assert!(r.buffer().is_empty());
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, b"ij");
        });
    }

    #[test]
    fn seek_current_accounts_for_buffered_bytes() {
        block_on(async {
            let data: Vec<u8> = (0..100).collect();
            let mut r = BufReader::with_capacity(16, Cursor::new(data));
            assert_eq!(r.read_u8().await.unwrap(), 0);
            // Inner cursor is at 16, logical position is 1.
            assert_eq!(r.stream_position().await.unwrap(), 1);
            assert!(r.buffer().is_empty(), "seeking discards the buffer");
            assert_eq!(r.seek(SeekFrom::Current(9)).await.unwrap(), 10);
            assert_eq!(r.read_u8().await.unwrap(), 10);
            assert_eq!(r.seek(SeekFrom::Current(-5)).await.unwrap(), 6);
            assert_eq!(r.read_u8().await.unwrap(), 6);
            assert_eq!(r.seek(SeekFrom::End(-1)).await.unwrap(), 99);
            assert_eq!(r.read_u8().await.unwrap(), 99);
            assert_eq!(r.seek(SeekFrom::Start(3)).await.unwrap(), 3);
            assert_eq!(r.read_u8().await.unwrap(), 3);
        });
    }

    #[test]
    fn seek_current_by_i64_min_does_not_overflow() {
        block_on(async {
            let mut r = BufReader::with_capacity(4, Cursor::new(vec![1u8; 10]));
            r.read_u8().await.unwrap();
            let err = r.seek(SeekFrom::Current(i64::MIN)).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        });
    }

    #[test]
    fn writes_pass_through() {
        block_on(async {
            use crate::io::AsyncWriteExt;
            let mut r = BufReader::new(Cursor::new(Vec::new()));
            r.write_all(b"xyz").await.unwrap();
            r.flush().await.unwrap();
            assert_eq!(r.get_ref().get_ref(), b"xyz");
            assert!(r.is_write_vectored());
        });
    }

    #[test]
    fn debug_shows_fill() {
        let r = BufReader::with_capacity(8, &b""[..]);
        assert!(format!("{r:?}").contains("0/8"));
    }
}
