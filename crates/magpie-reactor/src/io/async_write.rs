//! [`AsyncWrite`]: writing bytes asynchronously, with tokio's signature, and its impls for
//! pointers, vectors and cursors.

use std::io::{self, IoSlice, Write};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Writes bytes asynchronously.
///
/// This trait is analogous to [`std::io::Write`], but integrates with the asynchronous task
/// system. In particular, [`poll_write`](AsyncWrite::poll_write), unlike `Write::write`,
/// will automatically queue the current task for wakeup and return `Poll::Pending` if the
/// object is not ready for writing, rather than blocking the calling thread.
///
/// Utilities for working with `AsyncWrite` values are provided by
/// [`AsyncWriteExt`](super::AsyncWriteExt).
pub trait AsyncWrite {
    /// Attempts to write bytes from `buf` into the object.
    ///
    /// On success, returns `Poll::Ready(Ok(num_bytes_written))`. If successful, then it must
    /// be guaranteed that `n <= buf.len()`. A return value of `0` typically means that the
    /// underlying object is no longer able to accept bytes and will likely not be able to in
    /// the future as well, or that the buffer provided is empty.
    ///
    /// If the object is not ready for writing, the method returns `Poll::Pending` and
    /// arranges for the current task (via `cx.waker()`) to receive a notification when the
    /// object becomes writable or is closed.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<Result<usize, io::Error>>;

    /// Attempts to flush the object, ensuring that any buffered data reach their
    /// destination.
    ///
    /// On success, returns `Poll::Ready(Ok(()))`. If flushing cannot immediately complete,
    /// this method returns `Poll::Pending` and arranges for the current task to be woken.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>>;

    /// Initiates or attempts to shut down this writer, returning success when the I/O
    /// connection has completely shut down.
    ///
    /// This method is intended to be used for asynchronous shutdown of I/O connections. For
    /// example this is suitable for implementing shutdown of a TLS connection or calling
    /// `TcpStream::shutdown` on a proxied connection. Protocols sometimes need to flush out
    /// final pieces of data or otherwise perform a graceful shutdown handshake, reading or
    /// writing more data as appropriate. This method is the hook for such protocols to
    /// implement the graceful shutdown logic.
    ///
    /// Invocation of `poll_shutdown` implies an invocation of `poll_flush`: once it returns
    /// `Ready`, all buffered data has been flushed.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>>;

    /// Like [`poll_write`](AsyncWrite::poll_write), except that it writes from a slice of
    /// buffers.
    ///
    /// Data is copied from each buffer in order, with the final buffer read from possibly
    /// being only partially consumed. This method must behave as a call to `poll_write` with
    /// the buffers concatenated would.
    ///
    /// The default implementation calls `poll_write` with either the first nonempty buffer
    /// provided, or an empty one if none exists.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<Result<usize, io::Error>> {
        let buf = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, buf)
    }

    /// Determines if this writer has an efficient
    /// [`poll_write_vectored`](AsyncWrite::poll_write_vectored) implementation.
    ///
    /// The default implementation returns `false`.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

macro_rules! deref_async_write {
    () => {
        #[inline]
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write(cx, buf)
        }

        #[inline]
        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut **self).poll_write_vectored(cx, bufs)
        }

        #[inline]
        fn is_write_vectored(&self) -> bool {
            (**self).is_write_vectored()
        }

        #[inline]
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_flush(cx)
        }

        #[inline]
        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_shutdown(cx)
        }
    };
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for Box<T> {
    deref_async_write!();
}

impl<T: ?Sized + AsyncWrite + Unpin> AsyncWrite for &mut T {
    deref_async_write!();
}

impl<P> AsyncWrite for Pin<P>
where
    P: DerefMut,
    P::Target: AsyncWrite,
{
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.as_deref_mut().poll_write(cx, buf)
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.as_deref_mut().poll_write_vectored(cx, bufs)
    }

    #[inline]
    fn is_write_vectored(&self) -> bool {
        (**self).is_write_vectored()
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.as_deref_mut().poll_flush(cx)
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.as_deref_mut().poll_shutdown(cx)
    }
}

impl AsyncWrite for Vec<u8> {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write_vectored(self.get_mut(), bufs))
    }

    #[inline]
    fn is_write_vectored(&self) -> bool {
        true
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

macro_rules! cursor_async_write {
    ($($ty:ty),* $(,)?) => {$(
        impl AsyncWrite for io::Cursor<$ty> {
            #[inline]
            fn poll_write(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(Write::write(self.get_mut(), buf))
            }

            #[inline]
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(Write::write_vectored(self.get_mut(), bufs))
            }

            #[inline]
            fn is_write_vectored(&self) -> bool {
                true
            }

            #[inline]
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Write::flush(self.get_mut()))
            }

            #[inline]
            fn poll_shutdown(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                self.poll_flush(cx)
            }
        }
    )*};
}

cursor_async_write!(&mut [u8], &mut Vec<u8>, Vec<u8>, Box<[u8]>);

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn write_once<W: AsyncWrite + Unpin>(w: &mut W, data: &[u8]) -> usize {
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(w).poll_write(&mut cx, data) {
            Poll::Ready(Ok(n)) => n,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn vec_appends() {
        let mut v = Vec::new();
        assert_eq!(write_once(&mut v, b"ab"), 2);
        assert_eq!(write_once(&mut v, b"c"), 1);
        assert_eq!(v, b"abc");
        assert!(AsyncWrite::is_write_vectored(&v));
        let mut cx = Context::from_waker(Waker::noop());
        let bufs = [IoSlice::new(b"d"), IoSlice::new(b"ef")];
        let n = Pin::new(&mut v).poll_write_vectored(&mut cx, &bufs);
        assert!(matches!(n, Poll::Ready(Ok(3))));
        assert_eq!(v, b"abcdef");
    }

    #[test]
    fn cursor_over_slice_is_bounded() {
        let mut storage = [0u8; 3];
        let mut c = io::Cursor::new(&mut storage[..]);
        assert_eq!(write_once(&mut c, b"abcd"), 3);
        assert_eq!(write_once(&mut c, b"e"), 0);
        assert_eq!(&storage, b"abc");
    }

    #[test]
    fn cursor_over_vec_grows_and_overwrites() {
        let mut c = io::Cursor::new(b"xyz".to_vec());
        assert_eq!(write_once(&mut c, b"ab"), 2);
        assert_eq!(write_once(&mut c, b"cd"), 2);
        assert_eq!(c.get_ref(), b"abcd");
        let mut backing = Vec::new();
        let mut c = io::Cursor::new(&mut backing);
        write_once(&mut c, b"q");
        assert_eq!(backing, b"q");
        let mut c = io::Cursor::new(vec![0u8; 2].into_boxed_slice());
        assert_eq!(write_once(&mut c, b"123"), 2);
    }

    struct OnlyWrite(Vec<u8>);
    impl AsyncWrite for OnlyWrite {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.get_mut().0.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn default_vectored_writes_first_nonempty() {
        let mut w = OnlyWrite(Vec::new());
        assert!(!w.is_write_vectored());
        let mut cx = Context::from_waker(Waker::noop());
        let bufs = [IoSlice::new(b""), IoSlice::new(b"ab"), IoSlice::new(b"cd")];
        let n = Pin::new(&mut w).poll_write_vectored(&mut cx, &bufs);
        assert!(matches!(n, Poll::Ready(Ok(2))));
        assert_eq!(w.0, b"ab");
        let n = Pin::new(&mut w).poll_write_vectored(&mut cx, &[]);
        assert!(matches!(n, Poll::Ready(Ok(0))));
    }

    #[test]
    fn pointer_impls_delegate() {
        let mut b: Box<dyn AsyncWrite + Unpin> = Box::new(Vec::new());
        assert!(b.is_write_vectored());
        assert_eq!(write_once(&mut b, b"x"), 1);
        let mut v = Vec::new();
        let mut p = Pin::new(&mut v);
        assert!(AsyncWrite::is_write_vectored(&p));
        assert_eq!(write_once(&mut p, b"yz"), 2);
        assert_eq!(v, b"yz");
    }
}
