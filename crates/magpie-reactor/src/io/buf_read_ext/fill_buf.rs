//! The [`FillBuf`] future behind
//! [`AsyncBufReadExt::fill_buf`](super::AsyncBufReadExt::fill_buf).

use crate::io::AsyncBufRead;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Future for the [`fill_buf`](super::AsyncBufReadExt::fill_buf) method.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    reader: Option<&'a mut R>,
    // Makes the future `!Unpin`, as tokio's are.
    _pin: PhantomPinned,
}

pub(crate) fn fill_buf<R: AsyncBufRead + ?Sized + Unpin>(reader: &mut R) -> FillBuf<'_, R> {
    FillBuf {
        reader: Some(reader),
        _pin: PhantomPinned,
    }
}

impl<'a, R: AsyncBufRead + ?Sized + Unpin> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&'a [u8]>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        let reader: *mut R = me.reader.take().expect("`FillBuf` polled after completion");
        // SAFETY: `reader` came from a `&'a mut R` that was moved out of `me`, so this is the
        // only live reference to it. The result borrows it for 'a only when it is `Ready`;
        // when `Pending`, that borrow has ended and the pointer goes back into `me` as the
        // one live reference again. (This dance only works around a borrow checker limit.)
        match Pin::new(unsafe { &mut *reader }).poll_fill_buf(cx) {
            Poll::Pending => {
                // SAFETY: see above; the reborrow used for the poll is dead.
                me.reader = Some(unsafe { &mut *reader });
                Poll::Pending
            }
            ready => ready,
        }
    }
}
