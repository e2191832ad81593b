//! The single-call write futures: [`Write`], [`WriteVectored`], [`Flush`], [`Shutdown`].

use crate::io::AsyncWrite;
use std::future::Future;
use std::io::{self, IoSlice};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Future for [`write`](super::AsyncWriteExt::write): one write from a byte slice.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Write<'a, W: ?Sized> {
    pub(super) writer: &'a mut W,
    pub(super) buf: &'a [u8],
    // Makes the future `!Unpin`, as tokio's are.
    pub(super) _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        Pin::new(&mut *me.writer).poll_write(cx, me.buf)
    }
}

/// Future for [`write_vectored`](super::AsyncWriteExt::write_vectored).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    pub(super) writer: &'a mut W,
    pub(super) bufs: &'a [IoSlice<'b>],
    // Makes the future `!Unpin`, as tokio's are.
    pub(super) _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        Pin::new(&mut *me.writer).poll_write_vectored(cx, me.bufs)
    }
}

/// Future for [`flush`](super::AsyncWriteExt::flush).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Flush<'a, W: ?Sized> {
    pub(super) writer: &'a mut W,
    // Makes the future `!Unpin`, as tokio's are.
    pub(super) _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        Pin::new(&mut *me.writer).poll_flush(cx)
    }
}

/// Future for [`shutdown`](super::AsyncWriteExt::shutdown).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Shutdown<'a, W: ?Sized> {
    pub(super) writer: &'a mut W,
    // Makes the future `!Unpin`, as tokio's are.
    pub(super) _pin: PhantomPinned,
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        Pin::new(&mut *me.writer).poll_shutdown(cx)
    }
}
