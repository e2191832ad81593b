//! [`AsyncRead`]: reading bytes asynchronously, with tokio's signature, and its impls for
//! pointers, slices and cursors.

use super::ReadBuf;
use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes from a source.
///
/// This trait is analogous to [`std::io::Read`], but integrates with the asynchronous task
/// system. In particular, [`poll_read`](AsyncRead::poll_read), unlike `Read::read`, will
/// automatically queue the current task for wakeup and return `Poll::Pending` if data is not
/// yet available, rather than blocking the calling thread.
///
/// Utilities for working with `AsyncRead` values are provided by
/// [`AsyncReadExt`](super::AsyncReadExt).
pub trait AsyncRead {
    /// Attempts to read from the `AsyncRead` into `buf`.
    ///
    /// On success, returns `Poll::Ready(Ok(()))` and places data in the unfilled portion of
    /// `buf`. If no data was read (`buf.filled().len()` is unchanged), it implies that EOF
    /// has been reached, or the buffer had no room left.
    ///
    /// If no data is available for reading, the method returns `Poll::Pending` and arranges
    /// for the current task (via `cx.waker()`) to receive a notification when the object
    /// becomes readable or is closed.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>;
}

macro_rules! deref_async_read {
    () => {
        #[inline]
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }
    };
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut,
    P::Target: AsyncRead,
{
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.as_deref_mut().poll_read(cx, buf)
    }
}

impl AsyncRead for &[u8] {
    #[inline]
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let amt = std::cmp::min(self.len(), buf.remaining());
        let (head, tail) = self.split_at(amt);
        buf.put_slice(head);
        *self = tail;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncRead for io::Cursor<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let pos = self.position();
        let slice: &[u8] = (*self).get_ref().as_ref();

        // A position past the end reads nothing, as `std::io::Read for Cursor` does.
        if pos > slice.len() as u64 {
            return Poll::Ready(Ok(()));
        }

        let start = pos as usize;
        let amt = std::cmp::min(slice.len() - start, buf.remaining());
        buf.put_slice(&slice[start..start + amt]);
        self.set_position(pos + amt as u64);
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn read_once<R: AsyncRead + Unpin>(r: &mut R, cap: usize) -> Vec<u8> {
        let mut storage = vec![0u8; cap];
        let mut buf = ReadBuf::new(&mut storage);
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(r).poll_read(&mut cx, &mut buf) {
            Poll::Ready(Ok(())) => buf.filled().to_vec(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn slice_reads_and_advances() {
        let mut src: &[u8] = b"hello";
        assert_eq!(read_once(&mut src, 3), b"hel");
        assert_eq!(src, b"lo");
        assert_eq!(read_once(&mut src, 10), b"lo");
        assert_eq!(read_once(&mut src, 10), b"");
    }

    #[test]
    fn cursor_reads_and_past_end() {
        let mut c = io::Cursor::new(b"abcdef".to_vec());
        assert_eq!(read_once(&mut c, 4), b"abcd");
        assert_eq!(c.position(), 4);
        assert_eq!(read_once(&mut c, 4), b"ef");
        c.set_position(100);
        assert_eq!(read_once(&mut c, 4), b"");
        assert_eq!(c.position(), 100);
    }

    #[test]
    fn pointer_impls_delegate() {
        let mut boxed: Box<&[u8]> = Box::new(b"xy");
        assert_eq!(read_once(&mut boxed, 1), b"x");
        let mut dyn_box: Box<dyn AsyncRead + Unpin> = Box::new(&b"zz"[..]);
        assert_eq!(read_once(&mut dyn_box, 8), b"zz");
        let mut inner: &[u8] = b"q";
        let mut pinned = Pin::new(&mut inner);
        assert_eq!(read_once(&mut pinned, 8), b"q");
        let mut pinned_box: Pin<Box<dyn AsyncRead>> = Box::pin(&b"pb"[..]);
        assert_eq!(read_once(&mut pinned_box, 8), b"pb");
    }
}
