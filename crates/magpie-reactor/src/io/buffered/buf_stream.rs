//! [`BufStream`]: read and write buffering for a duplex stream.

use super::{BufReader, BufWriter};
use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Wraps a type that is [`AsyncWrite`] and [`AsyncRead`], and buffers its input and output.
///
/// It can be excessively inefficient to work directly with something that implements
/// [`AsyncWrite`] and [`AsyncRead`]. For example, every `write`, however small, has to
/// traverse the syscall interface, and similarly, every read has to do the same. The
/// [`BufWriter`] and [`BufReader`] types aid with these problems respectively, but do so in
/// only one direction. `BufStream` wraps one in the other so that both directions are
/// buffered.
///
/// As with [`BufWriter`], buffered output is discarded if the stream is dropped without a
/// flush.
#[derive(Debug)]
pub struct BufStream<RW> {
    inner: BufReader<BufWriter<RW>>,
}

impl<RW: AsyncRead + AsyncWrite> BufStream<RW> {
    /// Wraps a type in both [`BufWriter`] and [`BufReader`].
    ///
    /// See the documentation for those types and [`BufStream`] for details.
    pub fn new(stream: RW) -> BufStream<RW> {
        BufStream {
            inner: BufReader::new(BufWriter::new(stream)),
        }
    }

    /// Creates a `BufStream` with the specified [`BufReader`] capacity and [`BufWriter`]
    /// capacity.
    ///
    /// See the documentation for those types and [`BufStream`] for details.
    ///
    /// # Panics
    ///
    /// Panics if `reader_capacity` is zero, as [`BufReader::with_capacity`] does.
    #[track_caller]
    pub fn with_capacity(
        reader_capacity: usize,
        writer_capacity: usize,
        stream: RW,
    ) -> BufStream<RW> {
        BufStream {
            inner: BufReader::with_capacity(
                reader_capacity,
                BufWriter::with_capacity(writer_capacity, stream),
            ),
        }
    }
}

impl<RW> BufStream<RW> {
    /// Gets a reference to the underlying I/O object.
    ///
    /// It is inadvisable to directly read from the underlying I/O object.
    pub fn get_ref(&self) -> &RW {
        self.inner.get_ref().get_ref()
    }

    /// Gets a mutable reference to the underlying I/O object.
    ///
    /// It is inadvisable to directly read from the underlying I/O object.
    pub fn get_mut(&mut self) -> &mut RW {
        self.inner.get_mut().get_mut()
    }

    /// Gets a pinned mutable reference to the underlying I/O object.
    ///
    /// It is inadvisable to directly read from the underlying I/O object.
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut RW> {
        self.inner_pin().get_pin_mut().get_pin_mut()
    }

    /// Consumes this `BufStream`, returning the underlying I/O object.
    ///
    /// Note that any leftover data in the internal buffers is lost.
    pub fn into_inner(self) -> RW {
        self.inner.into_inner().into_inner()
    }

    fn inner_pin(self: Pin<&mut Self>) -> Pin<&mut BufReader<BufWriter<RW>>> {
        // SAFETY: `inner` is structurally pinned: `BufStream` never moves it out while pinned
        // and has no `Drop` impl.
        unsafe { self.map_unchecked_mut(|s| &mut s.inner) }
    }
}

impl<RW> From<BufReader<BufWriter<RW>>> for BufStream<RW> {
    fn from(b: BufReader<BufWriter<RW>>) -> Self {
        BufStream { inner: b }
    }
}

impl<RW> From<BufWriter<BufReader<RW>>> for BufStream<RW> {
    /// Re-nests the buffers; both keep their contents (buffered input and unwritten output).
    fn from(b: BufWriter<BufReader<RW>>) -> Self {
        let (reader, write_state) = b.into_parts();
        let (stream, read_state) = reader.into_parts();
        BufStream {
            inner: BufReader::from_parts(BufWriter::from_parts(stream, write_state), read_state),
        }
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncWrite for BufStream<RW> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner_pin().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner_pin().poll_shutdown(cx)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncRead for BufStream<RW> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.inner_pin().poll_read(cx, buf)
    }
}

impl<RW: AsyncRead + AsyncWrite> AsyncBufRead for BufStream<RW> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.inner_pin().poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.inner_pin().consume(amt)
    }
}

impl<RW: AsyncRead + AsyncWrite + AsyncSeek> AsyncSeek for BufStream<RW> {
    /// Seeks the underlying stream: buffered output is written out first and buffered input
    /// discarded; `SeekFrom::Current` counts from the logical position (what was read out
    /// of the `BufStream`).
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.inner_pin().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.inner_pin().poll_complete(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
    use futures::executor::block_on;
    use std::io::Cursor;

    #[test]
    fn reads_and_writes_are_buffered() {
        block_on(async {
            let mut s = BufStream::with_capacity(4, 4, Cursor::new(b"line1\nline2\n".to_vec()));
            let mut line = String::new();
            s.read_line(&mut line).await.unwrap();
            assert_eq!(line, "line1\n");
            assert_eq!(s.seek(SeekFrom::Start(0)).await.unwrap(), 0);
            s.write_all(b"LI").await.unwrap();
            assert_eq!(s.get_ref().get_ref(), b"line1\nline2\n");
            s.flush().await.unwrap();
            assert_eq!(s.get_ref().get_ref(), b"LIne1\nline2\n");
            let mut rest = String::new();
            s.read_to_string(&mut rest).await.unwrap();
            assert_eq!(rest, "ne1\nline2\n");
            let inner = s.into_inner();
            assert_eq!(inner.position(), 12);
        });
    }

    #[test]
    fn from_writer_of_reader_keeps_both_buffers() {
        block_on(async {
            let mut inner = BufWriter::new(BufReader::with_capacity(
                4,
                Cursor::new(b"abcdefgh".to_vec()),
            ));
            let mut first = [0u8; 1];
            inner.get_mut().read_exact(&mut first).await.unwrap();
            inner.write_all(b"XY").await.unwrap();
            let mut s = BufStream::from(inner);
            let mut rest = [0u8; 3];
            s.read_exact(&mut rest).await.unwrap();
            assert_eq!(&rest, b"bcd", "buffered input survives");
            s.flush().await.unwrap();
            // The unwritten "XY" went out at the inner position (4, after the buffered read).
            assert_eq!(s.get_ref().get_ref(), b"abcdXYgh");
        });
    }
}
