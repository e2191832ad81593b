//! [`AsyncReadExt`]: the `async fn`-style reading methods every [`AsyncRead`] gets.

mod chain;
mod read;
mod read_buf;
mod read_exact;
mod read_int;
mod read_to_end;
mod read_to_string;
mod take;

pub use chain::Chain;
pub use read::Read;
pub use read_buf::ReadBufFut;
pub use read_exact::ReadExact;
pub use read_int::{
    ReadF32, ReadF32Le, ReadF64, ReadF64Le, ReadI128, ReadI128Le, ReadI16, ReadI16Le, ReadI32,
    ReadI32Le, ReadI64, ReadI64Le, ReadI8, ReadU128, ReadU128Le, ReadU16, ReadU16Le, ReadU32,
    ReadU32Le, ReadU64, ReadU64Le, ReadU8,
};
pub use read_to_end::ReadToEnd;
pub use read_to_string::ReadToString;
pub use take::Take;

use super::AsyncRead;

macro_rules! read_number_methods {
    ($cancel:literal; $($(#[$attr:meta])* $name:ident -> $fut:ident, $ty:ty;)*) => {$(
        $(#[$attr])*
        ///
        /// # Errors
        ///
        /// Fails with [`std::io::ErrorKind::UnexpectedEof`] if the reader ends before all the
        /// bytes of the number were read, or with whatever error the reader reports, except
        /// [`std::io::ErrorKind::Interrupted`], which is retried.
        ///
        /// # Cancel safety
        ///
        #[doc = $cancel]
        fn $name(&mut self) -> $fut<&mut Self>
        where
            Self: Unpin,
        {
            $fut::new(self)
        }
    )*};
}

/// Reads bytes from a source.
///
/// Implemented as an extension trait, adding utility methods to all [`AsyncRead`] types.
/// Callers will tend to import this trait instead of [`AsyncRead`].
///
/// ```
/// use magpie_reactor::io::AsyncReadExt;
///
/// # futures::executor::block_on(async {
/// let mut reader: &[u8] = b"\x00\x2aok";
/// assert_eq!(reader.read_u16().await?, 42);
/// let mut rest = String::new();
/// reader.read_to_string(&mut rest).await?;
/// assert_eq!(rest, "ok");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Creates a new `AsyncRead` instance that chains this stream with `next`.
    ///
    /// The returned `AsyncRead` instance will first read all bytes from this object until
    /// EOF is encountered. Afterwards the output is equivalent to the output of `next`.
    fn chain<R>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
        R: AsyncRead,
    {
        chain::chain(self, next)
    }

    /// Pulls some bytes from this source into the specified buffer, returning how many bytes
    /// were read.
    ///
    /// Equivalent to `async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>`.
    ///
    /// This method does not provide any guarantees about whether it completes immediately or
    /// asynchronously. If the return value is `Ok(n)`, then it must be guaranteed that
    /// `0 <= n <= buf.len()`. A nonzero `n` means that `buf` has been filled in with `n`
    /// bytes of data. If `n` is `0`, then either the reader has reached its "end of file" and
    /// will likely no longer produce bytes, or `buf` was 0 bytes in length.
    ///
    /// # Errors
    ///
    /// Any error the reader reports is returned; no bytes were read in that case.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If you use it as the event in a `select!` statement and
    /// some other branch completes first, then it is guaranteed that no data was read.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        read::read(self, buf)
    }

    /// Pulls some bytes from this source into `buf` (a `bytes::BufMut`), advancing it by the
    /// number read, which is returned.
    ///
    /// Returns `Ok(0)` at end of file, or at once if `buf` has no room left.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: if it is dropped before completing, no data was read.
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> ReadBufFut<'a, Self, B>
    where
        Self: Unpin,
        B: bytes::BufMut + ?Sized,
    {
        read_buf::read_buf(self, buf)
    }

    /// Reads the exact number of bytes required to fill `buf`.
    ///
    /// Equivalent to `async fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<usize>`;
    /// on success the returned count is `buf.len()`.
    ///
    /// # Errors
    ///
    /// If the operation encounters an "end of file" before completely filling the buffer,
    /// it returns an error of the kind [`ErrorKind::UnexpectedEof`]. The contents of `buf`
    /// are unspecified in this case. Errors of kind [`ErrorKind::Interrupted`] are retried. If
    /// any other read error is encountered then the operation immediately returns; the
    /// contents of `buf` are unspecified in this case too.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancellation safe. If the method is used as the event in a
    /// `select!` statement and some other branch completes first, then some data may already
    /// have been read into `buf`.
    ///
    /// [`ErrorKind::UnexpectedEof`]: std::io::ErrorKind::UnexpectedEof
    /// [`ErrorKind::Interrupted`]: std::io::ErrorKind::Interrupted
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        read_exact::read_exact(self, buf)
    }

    read_number_methods! {
        "This method is cancel safe: it reads one byte in a single read, so if it is used as \
         the event in a `select!` statement and some other branch completes first, no data \
         was read.";
        /// Reads an unsigned 8 bit integer from the underlying reader.
        read_u8 -> ReadU8, u8;
        /// Reads a signed 8 bit integer from the underlying reader.
        read_i8 -> ReadI8, i8;
    }

    read_number_methods! {
        "This method is not cancellation safe: if the future is dropped after part of the \
         number was read, those bytes are lost.";
        /// Reads an unsigned 16-bit integer in big-endian order from the underlying reader.
        read_u16 -> ReadU16, u16;
        /// Reads a signed 16-bit integer in big-endian order from the underlying reader.
        read_i16 -> ReadI16, i16;
        /// Reads an unsigned 32-bit integer in big-endian order from the underlying reader.
        read_u32 -> ReadU32, u32;
        /// Reads a signed 32-bit integer in big-endian order from the underlying reader.
        read_i32 -> ReadI32, i32;
        /// Reads an unsigned 64-bit integer in big-endian order from the underlying reader.
        read_u64 -> ReadU64, u64;
        /// Reads a signed 64-bit integer in big-endian order from the underlying reader.
        read_i64 -> ReadI64, i64;
        /// Reads an unsigned 128-bit integer in big-endian order from the underlying reader.
        read_u128 -> ReadU128, u128;
        /// Reads a signed 128-bit integer in big-endian order from the underlying reader.
        read_i128 -> ReadI128, i128;
        /// Reads a 32-bit floating point number in big-endian order from the underlying
        /// reader.
        read_f32 -> ReadF32, f32;
        /// Reads a 64-bit floating point number in big-endian order from the underlying
        /// reader.
        read_f64 -> ReadF64, f64;
        /// Reads an unsigned 16-bit integer in little-endian order from the underlying reader.
        read_u16_le -> ReadU16Le, u16;
        /// Reads a signed 16-bit integer in little-endian order from the underlying reader.
        read_i16_le -> ReadI16Le, i16;
        /// Reads an unsigned 32-bit integer in little-endian order from the underlying reader.
        read_u32_le -> ReadU32Le, u32;
        /// Reads a signed 32-bit integer in little-endian order from the underlying reader.
        read_i32_le -> ReadI32Le, i32;
        /// Reads an unsigned 64-bit integer in little-endian order from the underlying reader.
        read_u64_le -> ReadU64Le, u64;
        /// Reads a signed 64-bit integer in little-endian order from the underlying reader.
        read_i64_le -> ReadI64Le, i64;
        /// Reads an unsigned 128-bit integer in little-endian order from the underlying
        /// reader.
        read_u128_le -> ReadU128Le, u128;
        /// Reads a signed 128-bit integer in little-endian order from the underlying reader.
        read_i128_le -> ReadI128Le, i128;
        /// Reads a 32-bit floating point number in little-endian order from the underlying
        /// reader.
        read_f32_le -> ReadF32Le, f32;
        /// Reads a 64-bit floating point number in little-endian order from the underlying
        /// reader.
        read_f64_le -> ReadF64Le, f64;
    }

    /// Reads all bytes until EOF in this source, placing them into `buf`.
    ///
    /// Equivalent to `async fn read_to_end(&mut self, buf: &mut Vec<u8>) -> io::Result<usize>`.
    ///
    /// All bytes read from this source will be appended to the specified buffer `buf`. This
    /// function will continuously call [`read()`](AsyncReadExt::read) to append more data to
    /// `buf` until it returns `Ok(0)`. On success the total number of bytes appended is
    /// returned.
    ///
    /// # Errors
    ///
    /// Errors of kind [`std::io::ErrorKind::Interrupted`] are retried. If any other read error
    /// is encountered then the operation immediately completes with it. Any bytes which have
    /// already been read will be appended to `buf`.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancellation safe: if the future is dropped, the bytes read so far
    /// stay appended to `buf`, but the count of them is lost.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        read_to_end::read_to_end(self, buf)
    }

    /// Reads all bytes until EOF in this source, appending them to `dst`.
    ///
    /// Equivalent to `async fn read_to_string(&mut self, dst: &mut String) ->
    /// io::Result<usize>`; on success the number of bytes appended is returned.
    ///
    /// # Errors
    ///
    /// If the data in this stream is *not* valid UTF-8 then an error of the kind
    /// [`ErrorKind::InvalidData`] is returned and `dst` is left unchanged (none of the data
    /// read is kept); its inner error is the [`Utf8Error`](std::str::Utf8Error) of the whole
    /// string, so `valid_up_to` counts `dst`'s original bytes too. `Interrupted` reads are
    /// retried. If another read error is encountered, the error is returned and `dst` is
    /// likewise left with its original contents.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancellation safe: if the future is dropped, the data read so far
    /// is lost and `dst` holds its original contents.
    ///
    /// [`ErrorKind::InvalidData`]: std::io::ErrorKind::InvalidData
    fn read_to_string<'a>(&'a mut self, dst: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        read_to_string::read_to_string(self, dst)
    }

    /// Creates an adaptor which reads at most `limit` bytes from it.
    ///
    /// This function returns a new instance of `AsyncRead` which will read at most `limit`
    /// bytes, after which it will always return EOF (`Ok(0)`). Any read errors will not count
    /// towards the number of bytes read and future calls to `read()` may succeed.
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        take::take(self, limit)
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}
