//! The [`Read`] future behind [`AsyncReadExt::read`](super::AsyncReadExt::read).

use crate::io::{AsyncRead, ReadBuf};
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Future for [`read`](super::AsyncReadExt::read): one read into a byte slice.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Read<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut [u8],
    // Makes the future `!Unpin`, as tokio's are.
    _pin: PhantomPinned,
}

pub(crate) fn read<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    buf: &'a mut [u8],
) -> Read<'a, R> {
    Read {
        reader,
        buf,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        let mut buf = ReadBuf::new(me.buf);
        ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}
