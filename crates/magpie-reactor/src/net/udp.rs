//! [`UdpSocket`]: datagrams on the reactor.

use std::fmt;
use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use socket2::{Domain, SockAddr, SockRef, Socket, Type};

use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::io::ReadBuf;
use crate::net::addr::{no_address_error, resolve, ToSocketAddrs};
use crate::net::socket_io;
use crate::{Interest, Ready};

/// A UDP socket.
///
/// All methods take `&self`, so the socket can be shared in an `Arc` between a task that
/// sends and one that receives (each readiness future waits on its own).
///
/// ```no_run
/// use magpie_reactor::net::UdpSocket;
/// # async fn run() -> std::io::Result<()> {
/// let sock = UdpSocket::bind("0.0.0.0:8080").await?;
/// let mut buf = [0; 1024];
/// let (len, addr) = sock.recv_from(&mut buf).await?;
/// sock.send_to(&buf[..len], addr).await?;
/// # Ok(())
/// # }
/// ```
pub struct UdpSocket {
    io: PollEvented<net::UdpSocket>,
}

fn sock_addr(addr: SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::other("received a datagram from a non-IP address"))
}

impl UdpSocket {
    /// Binds a socket to `addr`, trying each resolved address until one works.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let mut last = None;
        for addr in resolve(addr).await? {
            match UdpSocket::bind_addr(addr) {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(no_address_error(last))
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<UdpSocket> {
        let domain = Domain::for_address(addr);
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
        let socket = Socket::new(domain, Type::DGRAM.nonblocking(), None)?;
        #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
        let socket = {
            let s = Socket::new(domain, Type::DGRAM, None)?;
            s.set_nonblocking(true)?;
            s
        };
        socket.bind(&SockAddr::from(addr))?;
        UdpSocket::new(net::UdpSocket::from(socket))
    }

    #[track_caller]
    fn new(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: PollEvented::new(socket)?,
        })
    }

    /// Wraps a std socket (switched to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        UdpSocket::new(socket)
    }

    /// Deregisters the socket and returns it as a std socket, still non-blocking.
    pub fn into_std(self) -> io::Result<net::UdpSocket> {
        self.io.into_inner()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address the socket is connected to.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Connects the socket: `send`/`recv` then talk to the first resolved address that
    /// works, and datagrams from other addresses are dropped by the kernel.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let mut last = None;
        for addr in resolve(addr).await? {
            match self.io.get_ref().connect(addr) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(no_address_error(last))
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

    /// Polls for read readiness.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Polls for write readiness.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Sends `buf` to the connected peer; returns the bytes sent. Cancel safe.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::WRITABLE, |s| socket_io::send(s, buf))
            .await
    }

    /// Polls to send `buf` to the connected peer.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |s| socket_io::send(s, buf))
    }

    /// Sends to the connected peer without waiting; `WouldBlock` if not writable.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| socket_io::send(s, buf))
    }

    /// Receives one datagram from the connected peer; excess bytes of a datagram longer
    /// than `buf` are discarded. Cancel safe.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |s| socket_io::recv(s, buf, false))
            .await
    }

    /// Polls to receive one datagram from the connected peer into `buf`.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_io(cx, Direction::Read, |s| socket_io::recv_buf(s, buf, false))
            .map_ok(drop)
    }

    /// Receives from the connected peer without waiting; `WouldBlock` if nothing queued.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |s| socket_io::recv(s, buf, false))
    }

    /// Receives one datagram into the spare capacity of `buf` (a `bytes::BufMut`) without
    /// waiting, advancing it by the datagram's length; `WouldBlock` if none is queued.
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |s| socket_io::recv_buf_mut(s, buf))
    }

    /// Receives one datagram from the connected peer into the spare capacity of `buf`,
    /// advancing it. Cancel safe.
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
        self.io.try_io(Interest::READABLE, |s| {
            let (n, from) = socket_io::recv_from_buf_mut(s, buf)?;
            Ok((n, sock_addr(from)?))
        })
    }

    /// Receives one datagram and its sender's address into the spare capacity of `buf`,
    /// advancing it. Cancel safe.
    pub async fn recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| {
                let (n, from) = socket_io::recv_from_buf_mut(s, buf)?;
                Ok((n, sock_addr(from)?))
            })
            .await
    }

    /// Receives the next datagram from the connected peer without removing it from the
    /// queue. Cancel safe.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |s| socket_io::recv(s, buf, true))
            .await
    }

    /// Polls to peek at the next datagram from the connected peer.
    ///
    /// Only the waker of the most recent call is woken.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_io(cx, Direction::Read, |s| socket_io::recv_buf(s, buf, true))
            .map_ok(drop)
    }

    /// Peeks at the next datagram from the connected peer without waiting; `WouldBlock`
    /// if nothing is queued.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |s| socket_io::recv(s, buf, true))
    }

    /// The sender of the next datagram, leaving the datagram queued. Cancel safe.
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io
            .async_io(Interest::READABLE, |s| {
                sock_addr(SockRef::from(s).peek_sender()?)
            })
            .await
    }

    /// Polls for the sender of the next datagram, leaving the datagram queued.
    ///
    /// Only the waker of the most recent call is woken.
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, |s| {
            sock_addr(SockRef::from(s).peek_sender()?)
        })
    }

    /// The sender of the next datagram without waiting; `WouldBlock` if nothing is queued.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Interest::READABLE, |s| {
            sock_addr(SockRef::from(s).peek_sender()?)
        })
    }

    /// Sends `buf` to `target`. Cancel safe once the address is resolved.
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        match resolve(target).await?.next() {
            Some(addr) => self.send_to_addr(buf, addr).await,
            None => Err(no_address_error(None)),
        }
    }

    async fn send_to_addr(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        let target = SockAddr::from(target);
        self.io
            .async_io(Interest::WRITABLE, |s| {
                SockRef::from(s).send_to(buf, &target)
            })
            .await
    }

    /// Polls to send `buf` to `target`.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        let target = SockAddr::from(target);
        self.io.poll_io(cx, Direction::Write, |s| {
            SockRef::from(s).send_to(buf, &target)
        })
    }

    /// Sends to `target` without waiting; `WouldBlock` if not writable.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        let target = SockAddr::from(target);
        self.io.try_io(Interest::WRITABLE, |s| {
            SockRef::from(s).send_to(buf, &target)
        })
    }

    /// Receives one datagram and its sender's address. Cancel safe.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| {
                let mut rb = ReadBuf::new(buf);
                let addr = socket_io::recv_from_buf(s, &mut rb, false)?;
                Ok((rb.filled().len(), sock_addr(addr)?))
            })
            .await
    }

    /// Polls to receive one datagram into `buf`; returns its sender's address.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, |s| {
            sock_addr(socket_io::recv_from_buf(s, buf, false)?)
        })
    }

    /// Receives a datagram without waiting; `WouldBlock` if nothing is queued.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| {
            let mut rb = ReadBuf::new(buf);
            let addr = socket_io::recv_from_buf(s, &mut rb, false)?;
            Ok((rb.filled().len(), sock_addr(addr)?))
        })
    }

    /// Receives the next datagram without removing it from the queue. Cancel safe.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| {
                let mut rb = ReadBuf::new(buf);
                let addr = socket_io::recv_from_buf(s, &mut rb, true)?;
                Ok((rb.filled().len(), sock_addr(addr)?))
            })
            .await
    }

    /// Polls to peek at the next datagram; returns its sender's address.
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Direction::Read, |s| {
            sock_addr(socket_io::recv_from_buf(s, buf, true)?)
        })
    }

    /// Peeks at the next datagram without waiting; `WouldBlock` if nothing is queued.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| {
            let mut rb = ReadBuf::new(buf);
            let addr = socket_io::recv_from_buf(s, &mut rb, true)?;
            Ok((rb.filled().len(), sock_addr(addr)?))
        })
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

    /// The `SO_BROADCAST` option.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets `SO_BROADCAST`: allows sending to a broadcast address.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the `IP_TTL` option.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `IP_MULTICAST_LOOP` option.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_LOOP`.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// Joins an IPv4 multicast group.
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins an IPv6 multicast group.
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv4 multicast group.
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv6 multicast group.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// The `IP_MULTICAST_TTL` option: how many hops multicast datagrams may travel.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IP_MULTICAST_TTL` (1, the default, keeps them on the local network).
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The `IPV6_MULTICAST_LOOP` option.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Sets `IPV6_MULTICAST_LOOP`: whether multicast datagrams come back to this host.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// The `IP_TOS` option (type of service of IPv4 packets sent).
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku"
    )))]
    pub fn tos_v4(&self) -> io::Result<u32> {
        SockRef::from(self.io.get_ref()).tos()
    }

    /// Sets `IP_TOS`.
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku"
    )))]
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_tos(tos)
    }

    /// The `IP_TOS` option; the old name of [`tos_v4`](Self::tos_v4).
    #[deprecated(note = "use `tos_v4()`")]
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku"
    )))]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Sets `IP_TOS`; the old name of [`set_tos_v4`](Self::set_tos_v4).
    #[deprecated(note = "use `set_tos_v4()`")]
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku"
    )))]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// The `IPV6_TCLASS` option (traffic class of IPv6 packets sent).
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd"
    ))]
    pub fn tclass_v6(&self) -> io::Result<u32> {
        SockRef::from(self.io.get_ref()).tclass_v6()
    }

    /// Sets `IPV6_TCLASS`.
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd"
    ))]
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_tclass_v6(tclass)
    }

    /// The interface this socket is bound to (`SO_BINDTODEVICE`), if any.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        SockRef::from(self.io.get_ref()).device()
    }

    /// Binds the socket to the interface named `interface` (`SO_BINDTODEVICE`), or unbinds
    /// it with `None`: only packets from that interface are then received.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).bind_device(interface)
    }

    /// Takes the pending `SO_ERROR`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl TryFrom<net::UdpSocket> for UdpSocket {
    type Error = io::Error;
    fn try_from(s: net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(s)
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}
