//! [`AsyncWriteExt`]: the `async fn`-style writing methods every [`AsyncWrite`] gets.

mod write;
mod write_all;
mod write_buf;
mod write_int;

pub use write::{Flush, Shutdown, Write, WriteVectored};
pub use write_all::WriteAll;
pub use write_buf::{WriteAllBuf, WriteBuf};
pub use write_int::{
    WriteF32, WriteF32Le, WriteF64, WriteF64Le, WriteI128, WriteI128Le, WriteI16, WriteI16Le,
    WriteI32, WriteI32Le, WriteI64, WriteI64Le, WriteI8, WriteU128, WriteU128Le, WriteU16,
    WriteU16Le, WriteU32, WriteU32Le, WriteU64, WriteU64Le, WriteU8,
};

use super::AsyncWrite;
use std::io::IoSlice;
use std::marker::PhantomPinned;

macro_rules! write_number_methods {
    ($cancel:literal; $($(#[$attr:meta])* $name:ident($ty:ty) -> $fut:ident;)*) => {$(
        $(#[$attr])*
        ///
        /// # Errors
        ///
        /// Fails with [`std::io::ErrorKind::WriteZero`] if the writer accepts no more bytes,
        /// or with whatever error the writer reports, except
        /// [`std::io::ErrorKind::Interrupted`], which is retried.
        ///
        /// # Cancel safety
        ///
        #[doc = $cancel]
        fn $name(&mut self, n: $ty) -> $fut<&mut Self>
        where
            Self: Unpin,
        {
            $fut::new(self, n)
        }
    )*};
}

/// Writes bytes to a sink.
///
/// Implemented as an extension trait, adding utility methods to all [`AsyncWrite`] types.
/// Callers will tend to import this trait instead of [`AsyncWrite`].
///
/// ```
/// use magpie_reactor::io::AsyncWriteExt;
///
/// # futures::executor::block_on(async {
/// let mut out = Vec::new();
/// out.write_all(b"id=").await?;
/// out.write_u16(7).await?;
/// out.flush().await?;
/// assert_eq!(out, b"id=\x00\x07");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes a buffer into this writer, returning how many bytes were written.
    ///
    /// Equivalent to `async fn write(&mut self, buf: &[u8]) -> io::Result<usize>`.
    ///
    /// This function will attempt to write the entire contents of `buf`, but the entire
    /// write may not succeed. A return value of `Ok(n)` guarantees `n <= buf.len()`; a
    /// return value of `0` typically means that the underlying object is no longer able to
    /// accept bytes and will likely not be able to in the future as well, or that the buffer
    /// provided is empty.
    ///
    /// # Errors
    ///
    /// Any error the writer reports; if an error is returned then no bytes in the buffer
    /// were written to this writer.
    ///
    /// # Cancel safety
    ///
    /// This method is cancellation safe in the sense that if it is used as the event in a
    /// `select!` statement and some other branch completes first, then it is guaranteed that
    /// no data was written to this `AsyncWrite`.
    fn write<'a>(&'a mut self, src: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        Write {
            writer: self,
            buf: src,
            _pin: PhantomPinned,
        }
    }

    /// Like [`write`](AsyncWriteExt::write), except that it writes from a slice of buffers.
    ///
    /// Equivalent to `async fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) ->
    /// io::Result<usize>`. Data is copied from each buffer in order, with the final buffer
    /// read from possibly being only partially consumed.
    ///
    /// # Cancel safety
    ///
    /// This method is cancellation safe in the sense that if it is used as the event in a
    /// `select!` statement and some other branch completes first, then it is guaranteed that
    /// no data was written to this `AsyncWrite`.
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        WriteVectored {
            writer: self,
            bufs,
            _pin: PhantomPinned,
        }
    }

    /// Writes some bytes of `src` (a `bytes::Buf`) in one write, advancing it by the number
    /// written, which is returned (`Ok(0)` at once if `src` is empty).
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: if it is dropped before completing, nothing was written.
    fn write_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: bytes::Buf,
    {
        write_buf::write_buf(self, src)
    }

    /// Writes all of `src` (a `bytes::Buf`), advancing it as bytes are written; vectored
    /// writes are used when the writer supports them.
    ///
    /// # Errors
    ///
    /// [`std::io::ErrorKind::WriteZero`] if the writer accepts 0 bytes; the first error the
    /// writer reports otherwise, except [`std::io::ErrorKind::Interrupted`], which is retried.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in the sense tokio documents: `src` is advanced past what was written, so
    /// calling again continues where the cancelled call stopped.
    fn write_all_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteAllBuf<'a, Self, B>
    where
        Self: Sized + Unpin,
        B: bytes::Buf,
    {
        write_buf::write_all_buf(self, src)
    }

    /// Attempts to write an entire buffer into this writer.
    ///
    /// Equivalent to `async fn write_all(&mut self, buf: &[u8]) -> io::Result<()>`.
    ///
    /// This method will continuously call [`write`](AsyncWriteExt::write) until there is no
    /// more data to be written. This method will not return until the entire buffer has
    /// been successfully written or such an error occurs.
    ///
    /// # Errors
    ///
    /// If the writer accepts 0 bytes, an error of the kind [`std::io::ErrorKind::WriteZero`]
    /// is returned. Errors of kind [`std::io::ErrorKind::Interrupted`] are retried; the first
    /// other error the writer reports is returned as is.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancellation safe. If it is used as the event in a `select!`
    /// statement and some other branch completes first, then the provided buffer may have
    /// been partially written, but future calls to `write_all` will start over from the
    /// beginning of the buffer.
    fn write_all<'a>(&'a mut self, src: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        WriteAll {
            writer: self,
            buf: src,
            _pin: PhantomPinned,
        }
    }

    write_number_methods! {
        "This method is cancel safe: it writes one byte in a single write, so if it is used \
         as the event in a `select!` statement and some other branch completes first, no \
         data was written.";
        /// Writes an unsigned 8-bit integer to the underlying writer.
        write_u8(u8) -> WriteU8;
        /// Writes a signed 8-bit integer to the underlying writer.
        write_i8(i8) -> WriteI8;
    }

    write_number_methods! {
        "This method is not cancellation safe: if the future is dropped, part of the number \
         may have been written.";
        /// Writes an unsigned 16-bit integer in big-endian order to the underlying writer.
        write_u16(u16) -> WriteU16;
        /// Writes a signed 16-bit integer in big-endian order to the underlying writer.
        write_i16(i16) -> WriteI16;
        /// Writes an unsigned 32-bit integer in big-endian order to the underlying writer.
        write_u32(u32) -> WriteU32;
        /// Writes a signed 32-bit integer in big-endian order to the underlying writer.
        write_i32(i32) -> WriteI32;
        /// Writes an unsigned 64-bit integer in big-endian order to the underlying writer.
        write_u64(u64) -> WriteU64;
        /// Writes a signed 64-bit integer in big-endian order to the underlying writer.
        write_i64(i64) -> WriteI64;
        /// Writes an unsigned 128-bit integer in big-endian order to the underlying writer.
        write_u128(u128) -> WriteU128;
        /// Writes a signed 128-bit integer in big-endian order to the underlying writer.
        write_i128(i128) -> WriteI128;
        /// Writes a 32-bit floating point number in big-endian order to the underlying
        /// writer.
        write_f32(f32) -> WriteF32;
        /// Writes a 64-bit floating point number in big-endian order to the underlying
        /// writer.
        write_f64(f64) -> WriteF64;
        /// Writes an unsigned 16-bit integer in little-endian order to the underlying writer.
        write_u16_le(u16) -> WriteU16Le;
        /// Writes a signed 16-bit integer in little-endian order to the underlying writer.
        write_i16_le(i16) -> WriteI16Le;
        /// Writes an unsigned 32-bit integer in little-endian order to the underlying writer.
        write_u32_le(u32) -> WriteU32Le;
        /// Writes a signed 32-bit integer in little-endian order to the underlying writer.
        write_i32_le(i32) -> WriteI32Le;
        /// Writes an unsigned 64-bit integer in little-endian order to the underlying writer.
        write_u64_le(u64) -> WriteU64Le;
        /// Writes a signed 64-bit integer in little-endian order to the underlying writer.
        write_i64_le(i64) -> WriteI64Le;
        /// Writes an unsigned 128-bit integer in little-endian order to the underlying
        /// writer.
        write_u128_le(u128) -> WriteU128Le;
        /// Writes a signed 128-bit integer in little-endian order to the underlying writer.
        write_i128_le(i128) -> WriteI128Le;
        /// Writes a 32-bit floating point number in little-endian order to the underlying
        /// writer.
        write_f32_le(f32) -> WriteF32Le;
        /// Writes a 64-bit floating point number in little-endian order to the underlying
        /// writer.
        write_f64_le(f64) -> WriteF64Le;
    }

    /// Flushes this output stream, ensuring that all intermediately buffered contents reach
    /// their destination.
    ///
    /// Equivalent to `async fn flush(&mut self) -> io::Result<()>`.
    ///
    /// # Errors
    ///
    /// It is considered an error if not all bytes could be written due to I/O errors or EOF
    /// being reached.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If `flush` is used as the event in a `select!` statement
    /// and some other branch completes first, then the data in the buffered data in this
    /// `AsyncWrite` may have been partially flushed. However, it is guaranteed that the
    /// buffer is advanced by the amount of bytes that have been partially flushed.
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        Flush {
            writer: self,
            _pin: PhantomPinned,
        }
    }

    /// Shuts down the output stream, ensuring that the value can be dropped cleanly.
    ///
    /// Equivalent to `async fn shutdown(&mut self) -> io::Result<()>`.
    ///
    /// Similar to [`flush`](AsyncWriteExt::flush), all intermediately buffered content is
    /// written to the underlying stream. Once the operation completes, the caller should no
    /// longer attempt to write to the stream. For example, a TCP stream shuts down its write
    /// half, so the peer reads EOF.
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        Shutdown {
            writer: self,
            _pin: PhantomPinned,
        }
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
