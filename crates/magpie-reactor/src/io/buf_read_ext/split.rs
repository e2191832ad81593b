//! [`Split`]: the delimiter-separated segments of a buffered reader, from
//! [`AsyncBufReadExt::split`](super::AsyncBufReadExt::split).

use super::read_until::poll_read_until;
use crate::io::AsyncBufRead;
use std::future::poll_fn;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Splitter for the [`split`](super::AsyncBufReadExt::split) method.
///
/// A `Split` can be driven with [`next_segment`](Split::next_segment) or
/// [`poll_next_segment`](Split::poll_next_segment).
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Split<R> {
    reader: R,
    // The segment being read; kept across polls, which makes `next_segment` cancel safe.
    buf: Vec<u8>,
    delim: u8,
    read: usize,
}

pub(crate) fn split<R: AsyncBufRead>(reader: R, delim: u8) -> Split<R> {
    Split {
        reader,
        buf: Vec::new(),
        delim,
        read: 0,
    }
}

impl<R: AsyncBufRead + Unpin> Split<R> {
    /// Returns the next segment in the stream, without its delimiter.
    ///
    /// Returns `Ok(None)` at EOF; a last segment without a trailing delimiter is still
    /// returned.
    ///
    /// # Errors
    ///
    /// Errors of the reader are passed on; bytes of the segment read before the error are
    /// kept and returned with the rest of the segment by the next call.
    ///
    /// # Cancel safety
    ///
    /// This method is cancellation safe: a partially read segment is kept inside `Split`.
    ///
    /// # Examples
    ///
    /// ```
    /// use magpie_reactor::io::AsyncBufReadExt;
    ///
    /// # futures::executor::block_on(async {
    /// // (An inherent `split` on slices would win over the trait method: name the trait.)
    /// let mut segments = AsyncBufReadExt::split(&b"a,b,,c"[..], b',');
    /// assert_eq!(segments.next_segment().await?, Some(b"a".to_vec()));
    /// assert_eq!(segments.next_segment().await?, Some(b"b".to_vec()));
    /// assert_eq!(segments.next_segment().await?, Some(b"".to_vec()));
    /// assert_eq!(segments.next_segment().await?, Some(b"c".to_vec()));
    /// assert_eq!(segments.next_segment().await?, None);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next_segment(cx)).await
    }
}

impl<R> Split<R> {
    /// Obtains a mutable reference to the underlying reader.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Obtains a reference to the underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// Unwraps this `Split<R>`, returning the underlying reader.
    ///
    /// Any leftover data in the internal buffer is lost.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// Polls for the next segment in the stream.
    ///
    /// This method returns:
    ///
    ///  * `Poll::Pending` if the next segment is not yet available.
    ///  * `Poll::Ready(Ok(Some(segment)))` if the next segment is available.
    ///  * `Poll::Ready(Ok(None))` if there are no more segments in this stream.
    ///  * `Poll::Ready(Err(err))` if an IO error occurred while reading the segment.
    ///
    /// When the method returns `Poll::Pending`, the `Waker` in the provided `Context` is
    /// scheduled to receive a wakeup when more bytes become available on the underlying IO
    /// resource. Note that on multiple calls to `poll_next_segment`, only the `Waker` from
    /// the `Context` passed to the most recent call is scheduled to receive a wakeup.
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        // SAFETY: `reader` is structurally pinned: `Split` never moves it out while pinned
        // and has no `Drop` impl; the other fields are never pinned.
        let me = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let reader = unsafe { Pin::new_unchecked(&mut me.reader) };
        ready!(poll_read_until(
            reader,
            cx,
            me.delim,
            &mut me.buf,
            &mut me.read
        ))?;
        if me.buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        if me.buf.last() == Some(&me.delim) {
            me.buf.pop();
        }
        Poll::Ready(Ok(Some(mem::take(&mut me.buf))))
    }
}
