//! The [`ReadBufFut`] future behind [`AsyncReadExt::read_buf`](super::AsyncReadExt::read_buf).

use crate::io::{AsyncRead, ReadBuf};
use bytes::BufMut;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Future for [`read_buf`](super::AsyncReadExt::read_buf): one read into a `BufMut`,
/// advancing it by the bytes read.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufFut<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
    _pin: PhantomPinned,
}

pub(crate) fn read_buf<'a, R, B>(reader: &'a mut R, buf: &'a mut B) -> ReadBufFut<'a, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: BufMut + ?Sized,
{
    ReadBufFut {
        reader,
        buf,
        _pin: PhantomPinned,
    }
}

impl<R, B> Future for ReadBufFut<'_, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: BufMut + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`).
        let me = unsafe { self.get_unchecked_mut() };
        if !me.buf.has_remaining_mut() {
            return Poll::Ready(Ok(0));
        }
        let n = {
            let dst = me.buf.chunk_mut();
            // SAFETY: `UninitSlice` is a `[MaybeUninit<u8>]` the BufMut lends us; we only
            // write initialised bytes into it through `ReadBuf`, never de-initialise it.
            let dst =
                unsafe { &mut *(dst as *mut bytes::buf::UninitSlice as *mut [MaybeUninit<u8>]) };
            let mut rb = ReadBuf::uninit(dst);
            let before = rb.filled().as_ptr();
            ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut rb))?;
            // A reader that swapped the buffer would make `advance_mut` expose bytes it
            // never wrote.
            assert_eq!(
                before,
                rb.filled().as_ptr(),
                "the reader swapped the ReadBuf's buffer"
            );
            rb.filled().len()
        };
        // SAFETY: `poll_read` initialised the first `n` bytes of the chunk we lent it.
        unsafe { me.buf.advance_mut(n) };
        Poll::Ready(Ok(n))
    }
}
