//! The [`ReadLine`] future behind
//! [`AsyncBufReadExt::read_line`](super::AsyncBufReadExt::read_line).

use super::read_until::poll_read_until;
use crate::io::string_buf::StringBuf;
use crate::io::AsyncBufRead;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Future for [`read_line`](super::AsyncBufReadExt::read_line).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    // `None` once finished: the string is handed back.
    buf: Option<StringBuf<'a>>,
    read: usize,
    // Makes the future `!Unpin`, as tokio's are.
    _pin: PhantomPinned,
}

pub(crate) fn read_line<'a, R: AsyncBufRead + ?Sized + Unpin>(
    reader: &'a mut R,
    buf: &'a mut String,
) -> ReadLine<'a, R> {
    ReadLine {
        reader,
        buf: Some(StringBuf::new(buf)),
        read: 0,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncBufRead + ?Sized + Unpin> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        let buf = me.buf.as_mut().expect("`ReadLine` polled after completion");
        let res = ready!(poll_read_until(
            Pin::new(&mut *me.reader),
            cx,
            b'\n',
            buf.bytes_mut(),
            &mut me.read,
        ));
        let buf = me.buf.take().expect("checked above");
        Poll::Ready(buf.finish(res, true))
    }
}
