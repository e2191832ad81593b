//! [`copy_bidirectional`]: a proxy's two copies, driven together in one future.

use super::buffer::CopyBuffer;
use crate::io::buffered::DEFAULT_BUF_SIZE;
use crate::io::{AsyncRead, AsyncWrite};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

enum Transfer {
    Running(CopyBuffer),
    ShuttingDown(u64),
    Done(u64),
}

fn poll_transfer<R, W>(
    cx: &mut Context<'_>,
    state: &mut Transfer,
    mut reader: Pin<&mut R>,
    mut writer: Pin<&mut W>,
) -> Poll<io::Result<u64>>
where
    R: AsyncRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    loop {
        match state {
            Transfer::Running(buf) => {
                let count = ready!(buf.poll_copy(cx, reader.as_mut(), writer.as_mut()))?;
                *state = Transfer::ShuttingDown(count);
            }
            Transfer::ShuttingDown(count) => {
                ready!(writer.as_mut().poll_shutdown(cx))?;
                *state = Transfer::Done(*count);
            }
            Transfer::Done(count) => return Poll::Ready(Ok(*count)),
        }
    }
}

/// Copies data in both directions between `a` and `b`.
///
/// This function returns a future that will read from both streams, writing any data read
/// to the opposing stream. This happens in both directions concurrently.
///
/// If an EOF is observed on one stream, [`shutdown()`](crate::io::AsyncWriteExt::shutdown)
/// will be invoked on the other, and reading from that stream will stop. Copying of data in
/// the other direction will continue.
///
/// The future will complete successfully once both directions of communication has been
/// shut down. A direction is shut down when the reader reports EOF, at which point
/// `shutdown()` is called on the corresponding writer. When finished, it will return a tuple
/// of the number of bytes copied from `a` to `b` and the number of bytes copied from `b` to
/// `a`, in that order.
///
/// It uses two 8 KiB buffers for transferring bytes between `a` and `b` by default. To set
/// your own buffers sizes use [`copy_bidirectional_with_sizes()`].
///
/// # Errors
///
/// The future will immediately return an error if any IO operation on `a` or `b` returns an
/// error, except that interrupted reads and writes ([`io::ErrorKind::Interrupted`]) are
/// retried. Some data read from either stream may be lost (not written to the other stream)
/// in this case.
///
/// # Return value
///
/// Returns a tuple of bytes copied `a` to `b` and bytes copied `b` to `a`.
///
/// # Cancel safety
///
/// This method is not cancellation safe: buffered data in flight is lost if the future is
/// dropped.
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// Copies data in both directions between `a` and `b` using buffers of the specified size.
///
/// This method is the same as the [`copy_bidirectional()`], except that it allows you to
/// set the size of the internal buffers used when copying data.
///
/// # Panics
///
/// Panics if either buffer size is zero.
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(
        a_to_b_buf_size > 0,
        "`a_to_b_buf_size` must be greater than 0"
    );
    assert!(
        b_to_a_buf_size > 0,
        "`b_to_a_buf_size` must be greater than 0"
    );
    let mut a_to_b = Transfer::Running(CopyBuffer::new(a_to_b_buf_size));
    let mut b_to_a = Transfer::Running(CopyBuffer::new(b_to_a_buf_size));
    poll_fn(|cx| {
        let a_to_b = poll_transfer(cx, &mut a_to_b, Pin::new(&mut *a), Pin::new(&mut *b))?;
        let b_to_a = poll_transfer(cx, &mut b_to_a, Pin::new(&mut *b), Pin::new(&mut *a))?;
        // Both directions were polled before either result is awaited, so each registered
        // its wake-up.
        let a_to_b = ready!(a_to_b);
        let b_to_a = ready!(b_to_a);
        Poll::Ready(Ok((a_to_b, b_to_a)))
    })
    .await
}
