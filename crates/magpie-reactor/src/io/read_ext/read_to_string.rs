//! The [`ReadToString`] future behind
//! [`AsyncReadExt::read_to_string`](super::AsyncReadExt::read_to_string).

use super::read_to_end::VecFill;
use crate::io::string_buf::StringBuf;
use crate::io::AsyncRead;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Future for [`read_to_string`](super::AsyncReadExt::read_to_string).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    // `None` once finished: the string is handed back.
    buf: Option<StringBuf<'a>>,
    fill: VecFill,
    // Makes the future `!Unpin`, as tokio's are.
    _pin: PhantomPinned,
}

pub(crate) fn read_to_string<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    output: &'a mut String,
) -> ReadToString<'a, R> {
    let mut buf = StringBuf::new(output);
    let fill = VecFill::new(buf.bytes_mut());
    ReadToString {
        reader,
        buf: Some(buf),
        fill,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        let buf = me
            .buf
            .as_mut()
            .expect("`ReadToString` polled after completion");
        let res = ready!(me.fill.poll(buf.bytes_mut(), Pin::new(&mut *me.reader), cx));
        let buf = me.buf.take().expect("checked above");
        Poll::Ready(buf.finish(res, false))
    }
}
