//! [`Lines`]: the lines of a buffered reader, from
//! [`AsyncBufReadExt::lines`](super::AsyncBufReadExt::lines).

use super::read_until::poll_read_until;
use crate::io::AsyncBufRead;
use std::future::poll_fn;
use std::io;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Reads lines from an [`AsyncBufRead`].
///
/// A `Lines` can be turned into a stream with `tokio-stream`-style wrappers, or driven with
/// [`next_line`](Lines::next_line) / [`poll_next_line`](Lines::poll_next_line).
///
/// This type is usually created using the [`lines`](super::AsyncBufReadExt::lines) method.
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Lines<R> {
    reader: R,
    // The line being read; kept across polls, which is what makes `next_line` cancel safe.
    buf: Vec<u8>,
    read: usize,
}

pub(crate) fn lines<R: AsyncBufRead>(reader: R) -> Lines<R> {
    Lines {
        reader,
        buf: Vec::new(),
        read: 0,
    }
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    /// Returns the next line in the stream.
    ///
    /// The line is returned without its terminating newline: both `\n` and `\r\n` are
    /// stripped. Returns `Ok(None)` at EOF; a last line without a trailing newline is still
    /// returned.
    ///
    /// # Errors
    ///
    /// A line that is not valid UTF-8 fails once with [`io::ErrorKind::InvalidData`], whose
    /// inner error is the [`FromUtf8Error`](std::string::FromUtf8Error) holding the line's
    /// bytes (without its newline); the next call goes on with the following line. Errors of
    /// the reader are passed on, and the partial line read before one is kept: the next
    /// call completes it. `Interrupted` errors of the reader are retried.
    ///
    /// # Cancel safety
    ///
    /// This method is cancellation safe: a partially read line is kept inside `Lines` and
    /// returned in full by the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// use magpie_reactor::io::AsyncBufReadExt;
    ///
    /// # futures::executor::block_on(async {
    /// let mut lines = (&b"one\r\ntwo\nthree"[..]).lines();
    /// assert_eq!(lines.next_line().await?, Some("one".to_string()));
    /// assert_eq!(lines.next_line().await?, Some("two".to_string()));
    /// assert_eq!(lines.next_line().await?, Some("three".to_string()));
    /// assert_eq!(lines.next_line().await?, None);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }
}

impl<R> Lines<R> {
    /// Obtains a mutable reference to the underlying reader.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Obtains a reference to the underlying reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// Unwraps this `Lines<R>`, returning the underlying reader.
    ///
    /// Note that any leftover data in the internal buffer is lost. Therefore, a following
    /// read from the underlying reader may lead to data loss.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// Polls for the next line in the stream.
    ///
    /// This method returns:
    ///
    ///  * `Poll::Pending` if the next line is not yet available.
    ///  * `Poll::Ready(Ok(Some(line)))` if the next line is available.
    ///  * `Poll::Ready(Ok(None))` if there are no more lines in this stream.
    ///  * `Poll::Ready(Err(err))` if an IO error occurred while reading the next line.
    ///
    /// When the method returns `Poll::Pending`, the `Waker` in the provided `Context` is
    /// scheduled to receive a wakeup when more bytes become available on the underlying IO
    /// resource. Note that on multiple calls to `poll_next_line`, only the `Waker` from the
    /// `Context` passed to the most recent call is scheduled to receive a wakeup.
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        // SAFETY: `reader` is structurally pinned: `Lines` never moves it out while pinned
        // and has no `Drop` impl; `buf` and `read` are never pinned.
        let me = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let reader = unsafe { Pin::new_unchecked(&mut me.reader) };
        let res = ready!(poll_read_until(
            reader,
            cx,
            b'\n',
            &mut me.buf,
            &mut me.read
        ));
        // On an I/O error the partial line stays in `buf`: the next call appends the rest
        // (a multi-byte character cut by the error included) rather than losing it.
        res?;
        if me.buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut line = mem::take(&mut me.buf);
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        // The bad line is handed to the caller inside the error, and the stream has moved
        // past it: the next call reads the following line instead of failing forever.
        Poll::Ready(
            String::from_utf8(line)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        )
    }
}
