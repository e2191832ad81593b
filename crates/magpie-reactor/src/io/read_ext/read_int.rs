//! Futures that read one big- or little-endian number: `read_u8` to `read_f64_le`.

use super::read_exact::eof;
use crate::io::{AsyncRead, ReadBuf};
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Future for [`read_u8`](super::AsyncReadExt::read_u8).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadU8<R> {
    src: R,
    // Makes the future `!Unpin`, as tokio's are.
    _pin: PhantomPinned,
}

/// Future for [`read_i8`](super::AsyncReadExt::read_i8).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadI8<R> {
    src: R,
    // Makes the future `!Unpin`, as tokio's are.
    _pin: PhantomPinned,
}

impl<R> ReadU8<R> {
    pub(crate) fn new(src: R) -> Self {
        ReadU8 {
            src,
            _pin: PhantomPinned,
        }
    }
}

impl<R> ReadI8<R> {
    pub(crate) fn new(src: R) -> Self {
        ReadI8 {
            src,
            _pin: PhantomPinned,
        }
    }
}

fn poll_byte<R: AsyncRead + Unpin>(src: &mut R, cx: &mut Context<'_>) -> Poll<io::Result<u8>> {
    let mut byte = [0u8; 1];
    let mut buf = ReadBuf::new(&mut byte);
    ready!(poll_read_retrying(src, cx, &mut buf))?;
    if buf.filled().is_empty() {
        return Poll::Ready(Err(eof()));
    }
    Poll::Ready(Ok(byte[0]))
}

/// One `poll_read`, retried while it fails with `Interrupted` (as std's `read_exact` does).
fn poll_read_retrying<R: AsyncRead + Unpin>(
    src: &mut R,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    loop {
        match Pin::new(&mut *src).poll_read(cx, buf) {
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => return res,
        }
    }
}

impl<R: AsyncRead + Unpin> Future for ReadU8<R> {
    type Output = io::Result<u8>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u8>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        poll_byte(&mut me.src, cx)
    }
}

impl<R: AsyncRead + Unpin> Future for ReadI8<R> {
    type Output = io::Result<i8>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<i8>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        poll_byte(&mut me.src, cx).map_ok(|b| b as i8)
    }
}

macro_rules! read_number {
    ($($name:ident, $ty:ty, $from:ident, $method:literal;)*) => {$(
        #[doc = concat!("Future for [`", $method, "`](super::AsyncReadExt::", $method, ").")]
        #[derive(Debug)]
        #[must_use = "futures do nothing unless you `.await` or poll them"]
        pub struct $name<R> {
            src: R,
            buf: [u8; std::mem::size_of::<$ty>()],
            read: u8,
            // Makes the future `!Unpin`, as tokio's are.
            _pin: PhantomPinned,
        }

        impl<R> $name<R> {
            pub(crate) fn new(src: R) -> Self {
                $name {
                    src,
                    buf: [0; std::mem::size_of::<$ty>()],
                    read: 0,
                    _pin: PhantomPinned,
                }
            }
        }

        impl<R: AsyncRead + Unpin> Future for $name<R> {
            type Output = io::Result<$ty>;

            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<$ty>> {
                // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
                // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
                let me = unsafe { self.get_unchecked_mut() };
                while (me.read as usize) < me.buf.len() {
                    let mut buf = ReadBuf::new(&mut me.buf[me.read as usize..]);
                    ready!(poll_read_retrying(&mut me.src, cx, &mut buf))?;
                    let n = buf.filled().len();
                    if n == 0 {
                        return Poll::Ready(Err(eof()));
                    }
                    me.read += n as u8;
                }
                Poll::Ready(Ok(<$ty>::$from(me.buf)))
            }
        }
    )*};
}

read_number! {
    ReadU16, u16, from_be_bytes, "read_u16";
    ReadI16, i16, from_be_bytes, "read_i16";
    ReadU32, u32, from_be_bytes, "read_u32";
    ReadI32, i32, from_be_bytes, "read_i32";
    ReadU64, u64, from_be_bytes, "read_u64";
    ReadI64, i64, from_be_bytes, "read_i64";
    ReadU128, u128, from_be_bytes, "read_u128";
    ReadI128, i128, from_be_bytes, "read_i128";
    ReadF32, f32, from_be_bytes, "read_f32";
    ReadF64, f64, from_be_bytes, "read_f64";
    ReadU16Le, u16, from_le_bytes, "read_u16_le";
    ReadI16Le, i16, from_le_bytes, "read_i16_le";
    ReadU32Le, u32, from_le_bytes, "read_u32_le";
    ReadI32Le, i32, from_le_bytes, "read_i32_le";
    ReadU64Le, u64, from_le_bytes, "read_u64_le";
    ReadI64Le, i64, from_le_bytes, "read_i64_le";
    ReadU128Le, u128, from_le_bytes, "read_u128_le";
    ReadI128Le, i128, from_le_bytes, "read_i128_le";
    ReadF32Le, f32, from_le_bytes, "read_f32_le";
    ReadF64Le, f64, from_le_bytes, "read_f64_le";
}
