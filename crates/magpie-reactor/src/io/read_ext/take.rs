//! [`Take`]: a reader limited to a number of bytes, from
//! [`AsyncReadExt::take`](super::AsyncReadExt::take).

use crate::io::{AsyncBufRead, AsyncRead, ReadBuf};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Stream for the [`take`](super::AsyncReadExt::take) method: reads at most `limit` bytes
/// from the inner reader, then reports EOF.
#[derive(Debug)]
#[must_use = "streams do nothing unless you `.await` or poll them"]
pub struct Take<R> {
    inner: R,
    limit: u64,
}

pub(crate) fn take<R: AsyncRead>(inner: R, limit: u64) -> Take<R> {
    Take { inner, limit }
}

impl<R> Take<R> {
    /// Returns the remaining number of bytes that can be read before this instance will
    /// return EOF.
    ///
    /// # Note
    ///
    /// This instance may reach EOF after reading fewer bytes than indicated by this method
    /// if the underlying [`AsyncRead`] instance reaches EOF.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets the number of bytes that can be read before this instance will return EOF. This
    /// is the same as constructing a new `Take` instance, so the amount of bytes read and
    /// the previous limit value don't matter when calling this method.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit
    }

    /// Gets a reference to the underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Gets a mutable reference to the underlying reader.
    ///
    /// Care should be taken to avoid modifying the internal I/O state of the underlying
    /// reader as doing so may corrupt the internal limit of this `Take`.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Gets a pinned mutable reference to the underlying reader.
    ///
    /// Care should be taken to avoid modifying the internal I/O state of the underlying
    /// reader as doing so may corrupt the internal limit of this `Take`.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut R> {
        self.project().0
    }

    /// Consumes the `Take`, returning the wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn project(self: Pin<&mut Self>) -> (Pin<&mut R>, &mut u64) {
        // SAFETY: `inner` is structurally pinned: `Take` never moves it while pinned and has
        // no `Drop` impl; `limit` is plain data.
        unsafe {
            let me = self.get_unchecked_mut();
            (Pin::new_unchecked(&mut me.inner), &mut me.limit)
        }
    }
}

impl<R: AsyncRead> AsyncRead for Take<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (inner, limit) = self.project();
        if *limit == 0 {
            return Poll::Ready(Ok(()));
        }
        let max = usize::try_from(*limit).unwrap_or(usize::MAX);
        let mut sub = buf.take(max);
        let ptr = sub.filled().as_ptr();
        ready!(inner.poll_read(cx, &mut sub))?;
        assert_eq!(
            ptr,
            sub.filled().as_ptr(),
            "AsyncRead::poll_read replaced the ReadBuf it was given with another buffer"
        );
        let n = sub.filled().len();
        // SAFETY: `sub` still views `buf`'s unfilled region (checked above), and its first `n`
        // bytes are filled, hence initialised.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        *limit -= n as u64;
        Poll::Ready(Ok(()))
    }
}

impl<R: AsyncBufRead> AsyncBufRead for Take<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let (inner, limit) = self.project();
        // Don't call into the inner reader at all at EOF: it may still block.
        if *limit == 0 {
            return Poll::Ready(Ok(&[]));
        }
        let buf = ready!(inner.poll_fill_buf(cx)?);
        let cap = std::cmp::min(buf.len() as u64, *limit) as usize;
        Poll::Ready(Ok(&buf[..cap]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let (inner, limit) = self.project();
        // Don't let callers reset the limit by passing an overlarge value.
        let amt = std::cmp::min(amt as u64, *limit) as usize;
        *limit -= amt as u64;
        inner.consume(amt);
    }
}
