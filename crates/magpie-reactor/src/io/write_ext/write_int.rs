//! Futures that write one big- or little-endian number: `write_u8` to `write_f64_le`.

use super::write_all::write_zero;
use crate::io::AsyncWrite;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

macro_rules! write_number {
    ($($name:ident, $ty:ty, $to:ident, $method:literal;)*) => {$(
        #[doc = concat!("Future for [`", $method, "`](super::AsyncWriteExt::", $method, ").")]
        #[derive(Debug)]
        #[must_use = "futures do nothing unless you `.await` or poll them"]
        pub struct $name<W> {
            dst: W,
            buf: [u8; std::mem::size_of::<$ty>()],
            written: u8,
            // Makes the future `!Unpin`, as tokio's are.
            _pin: PhantomPinned,
        }

        impl<W> $name<W> {
            pub(crate) fn new(dst: W, n: $ty) -> Self {
                $name {
                    dst,
                    buf: n.$to(),
                    written: 0,
                    _pin: PhantomPinned,
                }
            }
        }

        impl<W: AsyncWrite + Unpin> Future for $name<W> {
            type Output = io::Result<()>;

            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
                // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
                let me = unsafe { self.get_unchecked_mut() };
                while (me.written as usize) < me.buf.len() {
                    let rest = &me.buf[me.written as usize..];
                    let n = match ready!(Pin::new(&mut me.dst).poll_write(cx, rest)) {
                        Ok(n) => n,
                        // An interrupted write wrote nothing: retry it, as std does.
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Poll::Ready(Err(e)),
                    };
                    if n == 0 {
                        return Poll::Ready(Err(write_zero()));
                    }
                    me.written += n.min(rest.len()) as u8;
                }
                Poll::Ready(Ok(()))
            }
        }
    )*};
}

write_number! {
    WriteU8, u8, to_be_bytes, "write_u8";
    WriteI8, i8, to_be_bytes, "write_i8";
    WriteU16, u16, to_be_bytes, "write_u16";
    WriteI16, i16, to_be_bytes, "write_i16";
    WriteU32, u32, to_be_bytes, "write_u32";
    WriteI32, i32, to_be_bytes, "write_i32";
    WriteU64, u64, to_be_bytes, "write_u64";
    WriteI64, i64, to_be_bytes, "write_i64";
    WriteU128, u128, to_be_bytes, "write_u128";
    WriteI128, i128, to_be_bytes, "write_i128";
    WriteF32, f32, to_be_bytes, "write_f32";
    WriteF64, f64, to_be_bytes, "write_f64";
    WriteU16Le, u16, to_le_bytes, "write_u16_le";
    WriteI16Le, i16, to_le_bytes, "write_i16_le";
    WriteU32Le, u32, to_le_bytes, "write_u32_le";
    WriteI32Le, i32, to_le_bytes, "write_i32_le";
    WriteU64Le, u64, to_le_bytes, "write_u64_le";
    WriteI64Le, i64, to_le_bytes, "write_i64_le";
    WriteU128Le, u128, to_le_bytes, "write_u128_le";
    WriteI128Le, i128, to_le_bytes, "write_i128_le";
    WriteF32Le, f32, to_le_bytes, "write_f32_le";
    WriteF64Le, f64, to_le_bytes, "write_f64_le";
}
