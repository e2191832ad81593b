//! [`TcpStream`]: a TCP connection driven by the reactor.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut, Read};
use std::net::{self, Shutdown, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{SockAddr, SockRef};

use super::inq::Inq;
use super::listener::new_socket;
use super::split::{split, ReadHalf, WriteHalf};
use super::split_owned::{split_owned, OwnedReadHalf, OwnedWriteHalf};
use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::addr::{no_address_error, resolve, ToSocketAddrs};
use crate::net::socket_io;
use crate::{Interest, Ready};

/// A TCP stream between a local and a remote socket.
///
/// Read and write it through [`AsyncRead`]/[`AsyncWrite`] (and their extension traits), or
/// with the `readable`/`try_read` family. Dropping it closes the connection.
///
/// ```no_run
/// use magpie_reactor::net::TcpStream;
/// # async fn run() -> std::io::Result<()> {
/// let stream = TcpStream::connect("127.0.0.1:8080").await?;
/// stream.writable().await?;
/// stream.try_write(b"hello world")?;
/// # Ok(())
/// # }
/// ```
pub struct TcpStream {
    io: PollEvented<net::TcpStream>,
    inq: Inq,
}

impl TcpStream {
    /// Opens a TCP connection to `addr`, trying each resolved address in turn and
    /// returning the last error if none accepts.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in resolve(addr).await? {
            match TcpStream::connect_addr(addr).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(no_address_error(last))
    }

    async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = new_socket(addr)?;
        start_connect(&socket, addr)?;
        TcpStream::connecting(net::TcpStream::from(socket)).await
    }

    /// Registers a socket whose non-blocking `connect` is in progress and waits for it.
    pub(crate) async fn connecting(stream: net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::new(stream)?;
        stream.io.readiness(Interest::WRITABLE).await?;
        if let Some(e) = stream.take_error()? {
            return Err(e);
        }
        Ok(stream)
    }

    #[track_caller]
    pub(crate) fn new(stream: net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: PollEvented::new(stream)?,
            inq: Inq::new(),
        })
    }

    /// A stream fresh from `accept`: assumed readable and writable, so its first read and
    /// write try the socket at once instead of waiting for the poller's first event (under
    /// load that event can queue behind every other connection's). A wrong guess costs one
    /// `WouldBlock`.
    #[track_caller]
    pub(crate) fn new_accepted(stream: net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::new(stream)?;
        stream.io.assume_ready(Ready::READABLE | Ready::WRITABLE);
        Ok(stream)
    }

    /// Wraps a connected std stream (switched to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::new(stream)
    }

    /// Deregisters the stream and returns it as a std stream, still non-blocking.
    pub fn into_std(self) -> io::Result<net::TcpStream> {
        self.io.into_inner()
    }

    /// The local address of this connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The remote address of this connection.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Takes the pending `SO_ERROR` of the socket, if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Waits until the stream is ready for any of `interest`; returns what is ready.
    ///
    /// May return spuriously (the following `try_*` then yields `WouldBlock`). Cancel safe.
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

    /// Polls for read readiness (the reader's waker slot).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Polls for write readiness (the writer's waker slot).
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Reads what is available without waiting; `WouldBlock` if nothing is.
    /// `Ok(0)` means the peer closed its side (or `buf` is empty).
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

    /// Reads into several buffers without waiting; `WouldBlock` if nothing is available.
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut s| s.read_vectored(bufs))
    }

    /// Writes without waiting; `WouldBlock` if the send buffer is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| socket_io::send(s, buf))
    }

    /// Writes several buffers without waiting; `WouldBlock` if the send buffer is full.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| socket_io::send_vectored(s, bufs))
    }

    /// Runs `f` (a non-blocking operation on the socket) if the stream looks ready for
    /// `interest`, clearing the readiness when `f` returns `WouldBlock`.
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

    /// Receives data without removing it from the queue. Returns the number of bytes
    /// peeked; `0` means the peer closed its side.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |s| socket_io::recv(s, buf, true))
            .await
    }

    /// Polls to peek at incoming data, filling `buf` without consuming it from the socket.
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Read, |s| socket_io::recv_buf(s, buf, true))
    }

    /// The `TCP_NODELAY` option.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `TCP_NODELAY`: when on, small writes are sent at once (Nagle's algorithm off).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// The `SO_LINGER` option.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes closing the stream reset the
    /// connection instead of a graceful close.
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(dur)
    }

    /// Sets a zero `SO_LINGER`: closing the stream then aborts the connection with a
    /// reset (`RST`) instead of the graceful `FIN` exchange, discards unsent data, and skips
    /// `TIME_WAIT`. The peer typically sees "connection reset" rather than end-of-stream.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(Some(Duration::ZERO))
    }

    /// The `TCP_QUICKACK` option.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    pub fn quickack(&self) -> io::Result<bool> {
        SockRef::from(self.io.get_ref()).quickack()
    }

    /// Sets `TCP_QUICKACK`: acknowledge segments at once instead of delaying the `ACK`s.
    /// Linux may turn it off again after later operations on the socket.
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "fuchsia"))]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_quickack(quickack)
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the `IP_TTL` option.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Splits into a borrowed read half and write half, usable from one task at once
    /// (for example in `join!`). Free: no allocation or locking.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split(self)
    }

    /// Splits into owned halves that can move to different tasks; rejoin them with
    /// [`OwnedReadHalf::reunite`]. Dropping the write half shuts the write direction down.
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
            .poll_stream_io_drained(cx, Direction::Read, len, |s| self.inq.recv(s, buf))
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
            // The peer already reset the connection: the write side is down either way.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            res => res,
        }
    }
}

/// Starts a non-blocking connect; "in progress" is the expected outcome.
pub(crate) fn start_connect(socket: &socket2::Socket, addr: SocketAddr) -> io::Result<()> {
    match socket.connect(&SockAddr::from(addr)) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
        Err(e) => Err(e),
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_priv(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
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
        // Writes go straight to the kernel: nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
}

impl TryFrom<net::TcpStream> for TcpStream {
    type Error = io::Error;
    fn try_from(s: net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(s)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}
