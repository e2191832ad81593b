//! [`AsyncBufReadExt`]: line and delimiter reading for every [`AsyncBufRead`].

mod fill_buf;
mod lines;
mod memchr;
mod read_line;
mod read_until;
mod split;

pub use fill_buf::FillBuf;
pub use lines::Lines;
pub use read_line::ReadLine;
pub use read_until::ReadUntil;
pub use split::Split;

use super::AsyncBufRead;
use std::pin::Pin;

/// An extension trait which adds utility methods to [`AsyncBufRead`] types.
///
/// ```
/// use magpie_reactor::io::AsyncBufReadExt;
///
/// # futures::executor::block_on(async {
/// let mut reader: &[u8] = b"first\nsecond";
/// let mut line = String::new();
/// assert_eq!(reader.read_line(&mut line).await?, 6);
/// assert_eq!(line, "first\n");
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// Reads all bytes into `buf` until the delimiter `byte` or EOF is reached.
    ///
    /// Equivalent to `async fn read_until(&mut self, byte: u8, buf: &mut Vec<u8>) ->
    /// io::Result<usize>`.
    ///
    /// This function will read bytes from the underlying stream until the delimiter or EOF
    /// is found. Once found, all bytes up to, and including, the delimiter (if found) will
    /// be appended to `buf`. If successful, this function will return the total number of
    /// bytes read; `0` means EOF.
    ///
    /// # Errors
    ///
    /// Any error from the reader is returned, except [`std::io::ErrorKind::Interrupted`],
    /// which is retried; all bytes read up to that point are already appended to `buf`.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If the method is used as the event in a `select!`
    /// statement and some other branch completes first, then some data may have been
    /// partially read. Any partially read bytes are appended to `buf`, and the method can be
    /// called again to continue reading.
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        read_until::read_until(self, byte, buf)
    }

    /// Reads all bytes until a newline (the `0xA` byte) is reached, and appends them to the
    /// provided `String` buffer.
    ///
    /// Equivalent to `async fn read_line(&mut self, buf: &mut String) -> io::Result<usize>`.
    ///
    /// This function will read bytes from the underlying stream until the newline delimiter
    /// (the `0xA` byte) or EOF is found. Once found, all bytes up to, and including, the
    /// delimiter (if found) will be appended to `buf`. If successful, this function will
    /// return the total number of bytes read; `0` means EOF.
    ///
    /// # Errors
    ///
    /// This function has the same error semantics as
    /// [`read_until`](AsyncBufReadExt::read_until) and will also return an error of the kind
    /// [`std::io::ErrorKind::InvalidData`] if the read bytes are not valid UTF-8; `buf` then
    /// keeps its original contents and nothing read by this call is appended to it (the
    /// line is still consumed), and the inner error is the [`Utf8Error`](std::str::Utf8Error)
    /// of the whole string, `buf`'s original bytes included. If an
    /// I/O error is encountered, the bytes read before it stay appended to `buf` when they
    /// are valid UTF-8 (as with tokio), and are dropped otherwise.
    ///
    /// # Cancel safety
    ///
    /// This method is not cancellation safe. If the method is used as the event in a
    /// `select!` statement and some other branch completes first, then some data may have
    /// been partially read, and this data is lost. There are no guarantees regarding the
    /// contents of `buf` when the call is cancelled. The current implementation restores
    /// `buf` to its contents before the call (tokio's replaces it with the empty string).
    ///
    /// Use [`read_until`](AsyncBufReadExt::read_until) or [`lines`](AsyncBufReadExt::lines)
    /// for a cancel-safe alternative.
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        read_line::read_line(self, buf)
    }

    /// Returns a stream of the contents of this reader split on the byte `byte`.
    ///
    /// This method is the asynchronous equivalent to [`std::io::BufRead::split`]. Each
    /// segment is returned without the delimiter.
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized + Unpin,
    {
        split::split(self, byte)
    }

    /// Returns the contents of the internal buffer, filling it with more data from the inner
    /// reader if it is empty.
    ///
    /// Equivalent to `async fn fill_buf(&mut self) -> io::Result<&[u8]>`. This function is a
    /// lower-level call. It needs to be paired with the [`consume`](AsyncBufReadExt::consume)
    /// method to function properly. An empty buffer returned indicates that the stream has
    /// reached EOF.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe. If you use it as the event in a `select!` statement and
    /// some other branch completes first, then it is guaranteed that no data was read.
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        fill_buf::fill_buf(self)
    }

    /// Tells this buffer that `amt` bytes have been consumed from the buffer, so they should
    /// no longer be returned in calls to [`read`](super::AsyncReadExt::read).
    ///
    /// The `amt` must be less than the number of bytes in the buffer returned by
    /// [`fill_buf`](AsyncBufReadExt::fill_buf).
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        Pin::new(self).consume(amt)
    }

    /// Returns a stream over the lines of this reader.
    ///
    /// This method is the async equivalent to [`std::io::BufRead::lines`]. Each line is
    /// returned without its newline: both `\n` and `\r\n` are stripped. Use
    /// [`Lines::next_line`] to get them.
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        lines::lines(self)
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}
