//! [`UnixListener`]: accepts Unix-domain stream connections on the reactor.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::task::{Context, Poll};

use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::net::UnixStream;
use crate::Interest;

/// A Unix-domain socket server, listening for connections.
///
/// ```no_run
/// use magpie_reactor::net::UnixListener;
/// # async fn run() -> std::io::Result<()> {
/// let listener = UnixListener::bind("/tmp/magpie.sock")?;
/// let (stream, _addr) = listener.accept().await?;
/// # drop(stream);
/// # Ok(())
/// # }
/// ```
pub struct UnixListener {
    io: PollEvented<net::UnixListener>,
}

impl UnixListener {
    /// Binds a listener to the socket file at `path` (which must not exist yet).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        // Through socket2, so a path starting with NUL binds a Linux abstract name.
        let socket = super::socket::new_socket(socket2::Type::STREAM)?;
        socket.bind(&socket2::SockAddr::unix(path)?)?;
        socket.listen(1024)?;
        UnixListener::new(net::UnixListener::from(std::os::fd::OwnedFd::from(socket)))
    }

    /// Binds a listener to `addr` (a path, or on Linux an abstract name).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        let listener = net::UnixListener::bind_addr(addr)?;
        listener.set_nonblocking(true)?;
        UnixListener::new(listener)
    }

    #[track_caller]
    pub(crate) fn new(listener: net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: PollEvented::new_with_interest(listener, Interest::READABLE)?,
        })
    }

    /// Wraps a std listener (switched to non-blocking mode here).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        UnixListener::new(listener)
    }

    /// Deregisters the listener and returns it as a std listener, still non-blocking.
    pub fn into_std(self) -> io::Result<net::UnixListener> {
        self.io.into_inner()
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes the pending `SO_ERROR`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Accepts a new connection. Errors such as `EMFILE` leave the listener usable.
    /// Cancel safe.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
        Ok((UnixStream::new_accepted(stream)?, addr))
    }

    /// Polls to accept a new connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        match self.io.poll_io(cx, Direction::Read, |l| l.accept()) {
            Poll::Ready(Ok((stream, addr))) => {
                Poll::Ready(UnixStream::new_accepted(stream).map(|s| (s, addr)))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl TryFrom<net::UnixListener> for UnixListener {
    type Error = io::Error;
    fn try_from(l: net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(l)
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.get_ref().fmt(f)
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}
