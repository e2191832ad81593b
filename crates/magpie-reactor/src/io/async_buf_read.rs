//! [`AsyncBufRead`]: a reader with an internal buffer, with tokio's signature, and its impls
//! for pointers, slices and cursors.

use super::AsyncRead;
use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes asynchronously from a source that keeps an internal buffer.
///
/// This trait is analogous to [`std::io::BufRead`], but integrates with the asynchronous
/// task system. In particular, [`poll_fill_buf`](AsyncBufRead::poll_fill_buf), unlike
/// `BufRead::fill_buf`, will automatically queue the current task for wakeup and return
/// `Poll::Pending` if data is not yet available.
///
/// Utilities for working with `AsyncBufRead` values are provided by
/// [`AsyncBufReadExt`](super::AsyncBufReadExt).
pub trait AsyncBufRead: AsyncRead {
    /// Attempts to return the contents of the internal buffer, filling it with more data from
    /// the inner reader if it is empty.
    ///
    /// On success, returns `Poll::Ready(Ok(buf))`. An empty buffer means EOF.
    ///
    /// If no data is available for reading, the method returns `Poll::Pending` and arranges
    /// for the current task to be woken.
    ///
    /// This function is a lower-level call. It needs to be paired with the
    /// [`consume`](AsyncBufRead::consume) method to function properly.
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Tells this buffer that `amt` bytes have been consumed from the buffer, so they should
    /// no longer be returned in calls to [`poll_read`](AsyncRead::poll_read).
    ///
    /// The `amt` must be `<=` the number of bytes in the buffer returned by
    /// [`poll_fill_buf`](AsyncBufRead::poll_fill_buf).
    fn consume(self: Pin<&mut Self>, amt: usize);
}

macro_rules! deref_async_buf_read {
    () => {
        #[inline]
        fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
            Pin::new(&mut **self.get_mut()).poll_fill_buf(cx)
        }

        #[inline]
        fn consume(mut self: Pin<&mut Self>, amt: usize) {
            Pin::new(&mut **self).consume(amt)
        }
    };
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for Box<T> {
    deref_async_buf_read!();
}

impl<T: ?Sized + AsyncBufRead + Unpin> AsyncBufRead for &mut T {
    deref_async_buf_read!();
}

impl<P> AsyncBufRead for Pin<P>
where
    P: DerefMut,
    P::Target: AsyncBufRead,
{
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.as_deref_mut().poll_fill_buf(cx)
    }

    #[inline]
    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.as_deref_mut().consume(amt)
    }
}

impl AsyncBufRead for &[u8] {
    #[inline]
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(Ok(*self.get_mut()))
    }

    #[inline]
    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        *self = &self[amt..];
    }
}

impl<T: AsRef<[u8]> + Unpin> AsyncBufRead for io::Cursor<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(io::BufRead::fill_buf(self.get_mut()))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        io::BufRead::consume(self.get_mut(), amt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn fill<R: AsyncBufRead + Unpin>(r: &mut R) -> Vec<u8> {
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(r).poll_fill_buf(&mut cx) {
            Poll::Ready(Ok(b)) => b.to_vec(),
            other => panic!("unexpected {:?}", other.map(|r| r.map(<[u8]>::to_vec))),
        }
    }

    #[test]
    fn slice_fill_and_consume() {
        let mut s: &[u8] = b"abc";
        assert_eq!(fill(&mut s), b"abc");
        Pin::new(&mut s).consume(2);
        assert_eq!(fill(&mut s), b"c");
        Pin::new(&mut s).consume(1);
        assert_eq!(fill(&mut s), b"");
    }

    #[test]
    fn cursor_fill_and_consume() {
        let mut c = io::Cursor::new(b"hello".to_vec());
        assert_eq!(fill(&mut c), b"hello");
        Pin::new(&mut c).consume(4);
        assert_eq!(fill(&mut c), b"o");
        c.set_position(99);
        assert_eq!(fill(&mut c), b"");
    }

    #[test]
    fn pointers_delegate() {
        let mut b: Box<&[u8]> = Box::new(b"xy");
        assert_eq!(fill(&mut b), b"xy");
        Pin::new(&mut b).consume(1);
        let mut r = &mut b;
        assert_eq!(fill(&mut r), b"y");
        let mut p: Pin<Box<&[u8]>> = Box::pin(b"pp");
        Pin::new(&mut p).consume(1);
        assert_eq!(fill(&mut p), b"p");
    }
}
