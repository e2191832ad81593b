//! The futures behind [`AsyncWriteExt::write_buf`](super::AsyncWriteExt::write_buf) and
//! [`AsyncWriteExt::write_all_buf`](super::AsyncWriteExt::write_all_buf).

use crate::io::AsyncWrite;
use bytes::Buf;
use std::future::Future;
use std::io::{self, IoSlice};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The most `IoSlice`s gathered from a `Buf` for one vectored write.
const MAX_VECTOR_ELEMENTS: usize = 64;

/// Future for [`write_buf`](super::AsyncWriteExt::write_buf): one write from a `Buf`,
/// advancing it by the bytes written.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
    _pin: PhantomPinned,
}

/// Future for [`write_all_buf`](super::AsyncWriteExt::write_all_buf): writes until the
/// `Buf` is empty.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
    _pin: PhantomPinned,
}

pub(crate) fn write_buf<'a, W, B>(writer: &'a mut W, buf: &'a mut B) -> WriteBuf<'a, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    WriteBuf {
        writer,
        buf,
        _pin: PhantomPinned,
    }
}

pub(crate) fn write_all_buf<'a, W, B>(writer: &'a mut W, buf: &'a mut B) -> WriteAllBuf<'a, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    WriteAllBuf {
        writer,
        buf,
        _pin: PhantomPinned,
    }
}

impl<W, B> Future for WriteBuf<'_, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`).
        let me = unsafe { self.get_unchecked_mut() };
        if !me.buf.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        let n = if me.writer.is_write_vectored() {
            // A vectored writer takes every chunk of a non-contiguous `Buf` in one call.
            let mut slices = [IoSlice::new(&[]); MAX_VECTOR_ELEMENTS];
            let cnt = me.buf.chunks_vectored(&mut slices);
            ready!(Pin::new(&mut *me.writer).poll_write_vectored(cx, &slices[..cnt]))?
        } else {
            ready!(Pin::new(&mut *me.writer).poll_write(cx, me.buf.chunk()))?
        };
        me.buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

impl<W, B> Future for WriteAllBuf<'_, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`).
        let me = unsafe { self.get_unchecked_mut() };
        while me.buf.has_remaining() {
            let res = if me.writer.is_write_vectored() {
                let mut slices = [IoSlice::new(&[]); MAX_VECTOR_ELEMENTS];
                let cnt = me.buf.chunks_vectored(&mut slices);
                ready!(Pin::new(&mut *me.writer).poll_write_vectored(cx, &slices[..cnt]))
            } else {
                ready!(Pin::new(&mut *me.writer).poll_write(cx, me.buf.chunk()))
            };
            let n = match res {
                Ok(n) => n,
                // An interrupted write wrote nothing: retry it, as `write_all` does.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            me.buf.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}
