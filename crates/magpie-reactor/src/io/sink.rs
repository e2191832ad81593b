//! [`sink`]: a writer that takes everything and keeps nothing.

use crate::io::empty::poll_budget;
use crate::io::AsyncWrite;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// An async writer which will move data into the void.
///
/// This struct is generally created by calling [`sink`]. Please see the documentation of
/// [`sink()`] for more details.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Sink;

/// Creates an instance of an async writer which will successfully consume all data.
///
/// All calls to [`poll_write`](AsyncWrite::poll_write) on the returned instance will return
/// `Poll::Ready(Ok(buf.len()))` and the contents of the buffer will not be inspected. Each
/// operation spends a unit of the task's coop budget.
///
/// # Examples
///
/// ```
/// use magpie_reactor::io::{self, AsyncWriteExt};
///
/// # futures::executor::block_on(async {
/// let buffer = vec![1, 2, 3, 5, 8];
/// let num_bytes = io::sink().write(&buffer).await?;
/// assert_eq!(num_bytes, 5);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn sink() -> Sink {
    Sink
}

impl AsyncWrite for Sink {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(buf.len()))
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
    }

    #[inline]
    fn is_write_vectored(&self) -> bool {
        true
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(()))
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_budget(cx));
        Poll::Ready(Ok(()))
    }
}
