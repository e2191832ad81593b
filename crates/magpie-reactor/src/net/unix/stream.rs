//! [`UnixStream`]: a Unix-domain stream connection driven by the reactor.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use socket2::{SockAddr, Socket, Type};

use super::split::{split, ReadHalf, WriteHalf};
use super::split_owned::{split_owned, OwnedReadHalf, OwnedWriteHalf};
use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::socket_io;
use crate::{Interest, Ready};

/// A Unix-domain stream socket.
///
/// ```no_run
/// use magpie_reactor::net::UnixStream;
/// # async fn run() -> std::io::Result<()> {
/// let stream = UnixStream::connect("/tmp/magpie.sock").await?;
/// stream.writable().await?;
/// stream.try_write(b"hello")?;
/// # Ok(())
/// # }
/// ```
pub struct UnixStream {
    io: PollEvented<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let addr = SockAddr::unix(path)?;
        UnixStream::connect_socket(super::socket::new_socket(Type::STREAM)?, &addr).await
    }

    /// Connects to the socket at `addr` (a path, or on Linux an abstract name).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        let addr = super::addr::to_sock(addr)?;
        UnixStream::connect_socket(super::socket::new_socket(Type::STREAM)?, &addr).await
    }

    /// Starts a non-blocking `connect` of `socket` (a fresh non-blocking stream socket)
    /// to `addr`, registers it and waits until the connection is made or refused.
    pub(crate) async fn connect_socket(socket: Socket, addr: &SockAddr) -> io::Result<UnixStream> {
        match socket.connect(addr) {
            Ok(()) => {}
            Err(e)
                if e.raw_os_error() == Some(libc::EINPROGRESS)
                    || e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        let stream = UnixStream::new(net::UnixStream::from(std::os::fd::OwnedFd::from(socket)))?;
        stream.io.readiness(Interest::WRITABLE).await?;
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
        Ok(stream)
    }

    /// Creates a connected pair of streams.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        let (a, b) = (UnixStream::from_std(a)?, UnixStream::from_std(b)?);
        // Empty buffers: both ends can write now; neither has anything to read yet.
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    /// A stream fresh from `accept`: assumed readable and writable (see
    /// `TcpStream::new_accepted`).
    #[track_caller]
    pub(crate) fn new_accepted(stream: net::UnixStream) -> io::Result<UnixStream> {
        let stream = UnixStream::from_std(stream)?;
        stream.io.assume_ready(Ready::READABLE | Ready::WRITABLE);
        Ok(stream)
    }

    #[track_caller]
    fn new(stream: net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: PollEvented::new(stream)?,
        })
    }

    /// Wraps a connected std stream (switched to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::new(stream)
    }

    /// Deregisters the stream and returns it as a std stream, still non-blocking.
    pub fn into_std(self) -> io::Result<net::UnixStream> {
        self.io.into_inner()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The credentials of the process on the other end.
    pub fn peer_cred(&self) -> io::Result<super::UCred> {
        super::ucred::peer_cred(self.io.get_ref())
    }

    /// Takes the pending `SO_ERROR`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Waits for any of `interest`; returns what is ready. Cancel safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// Waits until the stream may be readable. Cancel safe.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until the stream may be writable. Cancel safe.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for read readiness.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Polls for write readiness.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Reads without waiting; `WouldBlock` if nothing is available.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |s| socket_io::recv(s, buf, false))
    }

    /// Reads into the spare capacity of `buf` (a `bytes::BufMut`) without waiting, advancing
    /// it by the bytes read; `WouldBlock` if nothing is available.
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |s| socket_io::recv_buf_mut(s, buf))
    }

    /// Reads into several buffers without waiting.
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut s| s.read_vectored(bufs))
    }

    /// Writes without waiting; `WouldBlock` if the buffer is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| socket_io::send(s, buf))
    }

    /// Writes several buffers without waiting.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| socket_io::send_vectored(s, bufs))
    }

    /// Runs `f` if the stream looks ready for `interest`, clearing the readiness when it
    /// returns `WouldBlock`.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(interest, |_| f())
    }

    /// Waits for `interest` and runs `f` until it does not return `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io(interest, |_| f()).await
    }

    /// Splits into borrowed read and write halves.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split(self)
    }

    /// Splits into owned halves; dropping the write half shuts the write direction down.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split_owned(self)
    }

    pub(crate) fn poll_read_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let len = buf.remaining();
        self.io
            .poll_stream_io(cx, Direction::Read, len, |s| {
                socket_io::recv_buf(s, buf, false)
            })
            .map_ok(drop)
    }

    pub(crate) fn poll_write_priv(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_io(cx, Direction::Write, buf.len(), |s| socket_io::send(s, buf))
    }

    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.io.poll_stream_io(cx, Direction::Write, len, |s| {
            socket_io::send_vectored(s, bufs)
        })
    }

    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        match self.io.get_ref().shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            res => res,
        }
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored_priv(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
}

impl TryFrom<net::UnixStream> for UnixStream {
    type Error = io::Error;
    fn try_from(s: net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(s)
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}
