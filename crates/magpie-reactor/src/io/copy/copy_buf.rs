//! [`copy_buf`]: copying out of a reader's own buffer.

use super::buffer::write_zero;
use crate::io::{AsyncBufRead, AsyncWrite};
use magpie_sched::coop;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

/// Asynchronously copies the entire contents of a reader into a writer, using the reader's
/// own buffer.
///
/// This function returns a future that will continuously read data from `reader` and then
/// write it into `writer` in a streaming fashion until `reader` returns EOF or fails.
///
/// On success, the total number of bytes that were copied from `reader` to `writer` is
/// returned. The writer is flushed at the end, and whenever the reader has to wait.
///
/// This is a [`copy`](super::copy) variant for an [`AsyncBufRead`]: it writes straight out
/// of the reader's buffer and so allocates nothing.
///
/// # Errors
///
/// The returned future will return an error immediately if any
/// call to `poll_fill_buf`, `poll_write` or `poll_flush` returns an error, except
/// [`io::ErrorKind::Interrupted`] from `poll_fill_buf` or `poll_write`, which is retried. It
/// fails with [`io::ErrorKind::WriteZero`] if the writer accepts no bytes.
///
/// # Cancel safety
///
/// This method is cancel safe in the sense that bytes are only consumed from the reader
/// once they were written; dropping the future loses no data.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let mut reader: &[u8] = b"hello";
/// let mut writer: Vec<u8> = vec![];
/// magpie_reactor::io::copy_buf(&mut reader, &mut writer).await?;
/// assert_eq!(b"hello", &writer[..]);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut amt = 0u64;
    let mut need_flush = false;
    poll_fn(|cx| loop {
        let budget = ready!(coop::poll_proceed(cx));
        let buffer = match Pin::new(&mut *reader).poll_fill_buf(cx) {
            // Interrupted reads and writes are retried, as std's `copy` does.
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Poll::Ready(res) => res?,
            Poll::Pending => {
                if need_flush {
                    ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                    need_flush = false;
                }
                return Poll::Pending;
            }
        };
        if buffer.is_empty() {
            ready!(Pin::new(&mut *writer).poll_flush(cx))?;
            return Poll::Ready(Ok(amt));
        }
        let n = match ready!(Pin::new(&mut *writer).poll_write(cx, buffer)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => res?,
        };
        if n == 0 {
            return Poll::Ready(Err(write_zero()));
        }
        let n = n.min(buffer.len());
        amt += n as u64;
        need_flush = true;
        Pin::new(&mut *reader).consume(n);
        budget.made_progress();
    })
    .await
}
