//! [`TcpListener`]: accepts TCP connections on the reactor.

use std::fmt;
use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use socket2::{Domain, SockAddr, Socket, Type};

use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::net::addr::{no_address_error, resolve, ToSocketAddrs};
use crate::net::socket_io;
use crate::net::tcp::TcpStream;
use crate::Interest;

/// A TCP socket server, listening for connections.
///
/// ```no_run
/// use magpie_reactor::net::TcpListener;
/// # async fn run() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:8080").await?;
/// loop {
///     let (socket, peer) = listener.accept().await?;
///     println!("connection from {peer}");
///     # drop(socket); break;
/// }
/// # Ok(())
/// # }
/// ```
pub struct TcpListener {
    io: PollEvented<net::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to `addr`, trying each resolved address until one works.
    ///
    /// `SO_REUSEADDR` is set (as tokio does on Unix) so a restarted server can rebind at
    /// once; binding a port another socket listens on still fails with `AddrInUse`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let mut last = None;
        for addr in resolve(addr).await? {
            match TcpListener::bind_addr(addr) {
                Ok(l) => return Ok(l),
                Err(e) => last = Some(e),
            }
        }
        Err(no_address_error(last))
    }

    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = new_socket(addr)?;
        socket.set_reuse_address(true)?;
        socket.bind(&SockAddr::from(addr))?;
        socket.listen(1024)?;
        TcpListener::new(net::TcpListener::from(socket))
    }

    #[track_caller]
    pub(crate) fn new(listener: net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: PollEvented::new_with_interest(listener, Interest::READABLE)?,
        })
    }

    /// Accepts a new connection.
    ///
    /// An error such as `EMFILE` (too many open files) is returned to the caller and
    /// leaves the listener usable: the connection stays queued for the next call.
    ///
    /// Cancel safe: dropping the future never loses a connection.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (fd, addr) = self
            .io
            .async_io(Interest::READABLE, socket_io::accept)
            .await?;
        accepted(fd, addr)
    }

    /// Polls to accept a new connection, for use in a hand-written `poll` function.
    ///
    /// Only the waker of the most recent call is woken.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self.io.poll_io(cx, Direction::Read, socket_io::accept) {
            Poll::Ready(Ok((fd, addr))) => Poll::Ready(accepted(fd, addr)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Wraps a std listener (switched to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::new(listener)
    }

    /// Deregisters the listener and returns it as a std listener, still non-blocking.
    pub fn into_std(self) -> io::Result<net::TcpListener> {
        self.io.into_inner()
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the `IP_TTL` option: the time-to-live of every packet sent from this socket.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }
}

fn accepted(fd: std::os::fd::OwnedFd, addr: SockAddr) -> io::Result<(TcpStream, SocketAddr)> {
    let stream = TcpStream::new_accepted(net::TcpStream::from(fd))?;
    let addr = addr
        .as_socket()
        .ok_or_else(|| io::Error::other("accepted a connection with a non-IP address"))?;
    Ok((stream, addr))
}

pub(crate) fn new_socket(addr: SocketAddr) -> io::Result<Socket> {
    let domain = Domain::for_address(addr);
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    let socket = Socket::new(domain, Type::STREAM.nonblocking(), None)?;
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    let socket = {
        let s = Socket::new(domain, Type::STREAM, None)?;
        s.set_nonblocking(true)?;
        s.set_nosigpipe(true)?;
        s
    };
    Ok(socket)
}

impl TryFrom<net::TcpListener> for TcpListener {
    type Error = io::Error;
    fn try_from(l: net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(l)
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}
