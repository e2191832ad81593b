//! The [`WriteAll`] future behind [`AsyncWriteExt::write_all`](super::AsyncWriteExt::write_all).

use crate::io::AsyncWrite;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Future for [`write_all`](super::AsyncWriteExt::write_all).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAll<'a, W: ?Sized> {
    pub(super) writer: &'a mut W,
    pub(super) buf: &'a [u8],
    // Makes the future `!Unpin`, as tokio's are.
    pub(super) _pin: PhantomPinned,
}

pub(crate) fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "failed to write whole buffer")
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        while !me.buf.is_empty() {
            let n = match ready!(Pin::new(&mut *me.writer).poll_write(cx, me.buf)) {
                Ok(n) => n,
                // An interrupted write wrote nothing: retry it, as std's `write_all` does.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            };
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            // A writer reporting more than it was given is buggy; never slice out of bounds.
            me.buf = me.buf.get(n..).unwrap_or_default();
        }
        Poll::Ready(Ok(()))
    }
}
