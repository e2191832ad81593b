//! Moving bytes from a reader to a writer: [`copy`], [`copy_buf`], [`copy_bidirectional`].
//!
//! Every loop here spends the task's coop budget once per round of I/O, so copying between
//! two always-ready in-memory streams still lets the task's peers run.

mod bidirectional;
mod buffer;
mod copy_buf;

pub use bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use copy_buf::copy_buf;

use super::{AsyncRead, AsyncWrite};
use buffer::CopyBuffer;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;

/// Asynchronously copies the entire contents of a reader into a writer.
///
/// This function returns a future that will continuously read data from `reader` and then
/// write it into `writer` in a streaming fashion until `reader` returns EOF or fails.
///
/// On success, the total number of bytes that were copied from `reader` to `writer` is
/// returned. The writer is flushed before returning, and also whenever the reader has
/// nothing to give for the moment (so a buffered writer never holds data back while the
/// reader waits for more).
///
/// This is an asynchronous version of [`std::io::copy`]. A heap-allocated copy buffer with
/// 8 KiB is created to take data from the reader to the writer; see [`copy_buf`] to use the
/// reader's own buffer instead.
///
/// # Errors
///
/// The returned future will return an error immediately if any call to `poll_read`,
/// `poll_write` or `poll_flush` returns an error, except [`io::ErrorKind::Interrupted`] from
/// `poll_read` or `poll_write`, which is retried. It fails with
/// [`io::ErrorKind::WriteZero`] if the writer accepts no bytes.
///
/// # Cancel safety
///
/// This method is not cancellation safe: data read from the reader but not yet written is
/// lost if the future is dropped.
///
/// # Examples
///
/// ```
/// # futures::executor::block_on(async {
/// let mut reader: &[u8] = b"hello";
/// let mut writer: Vec<u8> = vec![];
/// magpie_reactor::io::copy(&mut reader, &mut writer).await?;
/// assert_eq!(&b"hello"[..], &writer[..]);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = CopyBuffer::new(super::buffered::DEFAULT_BUF_SIZE);
    poll_fn(|cx| buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}
