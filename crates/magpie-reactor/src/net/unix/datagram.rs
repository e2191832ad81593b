//! [`UnixDatagram`]: Unix-domain datagram sockets on the reactor.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::task::{Context, Poll};

use socket2::SockAddr;

use super::addr;
use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::io::ReadBuf;
use crate::net::socket_io;
use crate::{Interest, Ready};

/// A Unix-domain datagram socket.
///
/// ```no_run
/// use magpie_reactor::net::UnixDatagram;
/// # async fn run() -> std::io::Result<()> {
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"hi").await?;
/// let mut buf = [0; 8];
/// let n = b.recv(&mut buf).await?;
/// # let _ = n;
/// # Ok(())
/// # }
/// ```
pub struct UnixDatagram {
    io: PollEvented<net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds a socket to `path`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O (as do all constructors).
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        // Through socket2, so a path starting with NUL binds a Linux abstract name.
        let socket = super::socket::new_socket(socket2::Type::DGRAM)?;
        socket.bind(&SockAddr::unix(path)?)?;
        UnixDatagram::from_std(net::UnixDatagram::from(std::os::fd::OwnedFd::from(socket)))
    }

    /// Creates a socket bound to no address.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(net::UnixDatagram::unbound()?)
    }

    /// Creates a connected pair of sockets.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = net::UnixDatagram::pair()?;
        let (a, b) = (UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?);
        // Empty buffers: both ends can send now; neither has anything to receive yet.
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    /// Wraps a std socket (switched to non-blocking mode here).
    #[track_caller]
    pub fn from_std(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram {
            io: PollEvented::new(socket)?,
        })
    }

    /// Deregisters the socket and returns it as a std socket, still non-blocking.
    pub fn into_std(self) -> io::Result<net::UnixDatagram> {
        self.io.into_inner()
    }

    /// Connects the socket to the socket at `path`.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read, write or both halves.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Takes the pending `SO_ERROR`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Waits for any of `interest`; returns what is ready. Cancel safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// Waits until the socket may be readable. Cancel safe.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until the socket may be writable. Cancel safe.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for write readiness, for use in a hand-written `poll` function.
    ///
    /// Only the waker of the most recent call (of this or `poll_send`/`poll_send_to`) is
    /// woken. A spurious `Ready` is possible: the next send may still return `WouldBlock`.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Polls for read readiness, for use in a hand-written `poll` function.
    ///
    /// Only the waker of the most recent call (of this or `poll_recv`/`poll_recv_from`) is
    /// woken. A spurious `Ready` is possible: the next receive may still return `WouldBlock`.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Sends to the connected peer. Cancel safe.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::WRITABLE, |s| socket_io::send(s, buf))
            .await
    }

    /// Sends to the connected peer without waiting.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| socket_io::send(s, buf))
    }

    /// Polls to send to the connected peer.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |s| socket_io::send(s, buf))
    }

    /// Receives one datagram from the connected peer. Cancel safe.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |s| socket_io::recv(s, buf, false))
            .await
    }

    /// Receives without waiting; `WouldBlock` if nothing is queued.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |s| socket_io::recv(s, buf, false))
    }

    /// Polls to receive one datagram into `buf`.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_io(cx, Direction::Read, |s| socket_io::recv_buf(s, buf, false))
            .map_ok(drop)
    }

    /// Receives one datagram into the spare capacity of `buf` (a `bytes::BufMut`) without
    /// waiting, advancing it by the datagram's length; `WouldBlock` if none is queued.
    ///
    /// A datagram longer than the spare capacity is truncated (the rest is discarded).
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |s| socket_io::recv_buf_mut(s, buf))
    }

    /// Receives one datagram into the spare capacity of `buf`, advancing it. Cancel safe.
    pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |s| socket_io::recv_buf_mut(s, buf))
            .await
    }

    /// Receives one datagram and its sender's address into the spare capacity of `buf`
    /// without waiting; `WouldBlock` if none is queued.
    pub fn try_recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, |s| recv_from_buf_mut(s, buf))
    }

    /// Receives one datagram and its sender's address into the spare capacity of `buf`,
    /// advancing it. Cancel safe.
    pub async fn recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| recv_from_buf_mut(s, buf))
            .await
    }

    /// Sends to the socket at `target` (a path starting with NUL is a Linux abstract name).
    /// Cancel safe.
    pub async fn send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = SockAddr::unix(target)?;
        self.io
            .async_io(Interest::WRITABLE, |s| socket_io::send_to(s, buf, &target))
            .await
    }

    /// Sends to `target` without waiting.
    pub fn try_send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = SockAddr::unix(target)?;
        self.io
            .try_io(Interest::WRITABLE, |s| socket_io::send_to(s, buf, &target))
    }

    /// Receives one datagram and its sender's address. Cancel safe.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| s.recv_from(buf))
            .await
    }

    /// Polls to send `buf` to the socket at `target`.
    ///
    /// Only the waker of the most recent call is woken.
    pub fn poll_send_to<P: AsRef<Path>>(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: P,
    ) -> Poll<io::Result<usize>> {
        let target = match SockAddr::unix(target) {
            Ok(target) => target,
            Err(e) => return Poll::Ready(Err(e)),
        };
        self.io.poll_io(cx, Direction::Write, |s| {
            socket_io::send_to(s, buf, &target)
        })
    }

    /// Polls to receive one datagram into `buf`; returns its sender's address.
    ///
    /// Only the waker of the most recent call is woken.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, |s| {
            addr::to_std(&socket_io::recv_from_buf(s, buf, false)?)
        })
    }

    /// Receives a datagram and its sender without waiting.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf))
    }

    /// Runs `f` if the socket looks ready for `interest`, clearing the readiness when it
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
}

/// Receives into the spare capacity of a `bytes::BufMut`, advancing it, and returns the
/// sender's address.
fn recv_from_buf_mut<B: bytes::BufMut + ?Sized>(
    sock: &impl AsFd,
    buf: &mut B,
) -> io::Result<(usize, SocketAddr)> {
    let (n, from) = socket_io::recv_from_buf_mut(sock, buf)?;
    Ok((n, addr::to_std(&from)?))
}

impl TryFrom<net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;
    fn try_from(s: net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(s)
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}
