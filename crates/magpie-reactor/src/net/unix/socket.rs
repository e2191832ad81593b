//! [`UnixSocket`]: a Unix-domain socket not yet bound, listening or connected, for setting
//! it up step by step before it becomes a [`UnixListener`], [`UnixStream`] or
//! [`UnixDatagram`].

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::net;
use std::path::Path;

use socket2::{Domain, SockAddr, Socket, Type};

use super::{UnixDatagram, UnixListener, UnixStream};

/// A Unix-domain socket that is not yet a listener, stream or datagram socket.
///
/// Made with [`new_stream`](Self::new_stream) (then [`listen`](Self::listen) or
/// [`connect`](Self::connect)) or [`new_datagram`](Self::new_datagram) (then
/// [`datagram`](Self::datagram)), optionally [`bind`](Self::bind)-ing it first.
///
/// ```no_run
/// use magpie_reactor::net::UnixSocket;
/// # async fn run() -> std::io::Result<()> {
/// let socket = UnixSocket::new_stream()?;
/// socket.bind("/tmp/magpie-client.sock")?;
/// let stream = socket.connect("/tmp/magpie-server.sock").await?;
/// # drop(stream);
/// # Ok(())
/// # }
/// ```
pub struct UnixSocket {
    inner: Socket,
}

/// A new non-blocking, close-on-exec Unix-domain socket of type `ty`.
pub(crate) fn new_socket(ty: Type) -> io::Result<Socket> {
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "illumos",
        target_os = "linux",
        target_os = "netbsd",
        target_os = "openbsd"
    ))]
    let socket = Socket::new(Domain::UNIX, ty.nonblocking(), None)?;
    #[cfg(not(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "illumos",
        target_os = "linux",
        target_os = "netbsd",
        target_os = "openbsd"
    )))]
    let socket = {
        let s = Socket::new(Domain::UNIX, ty, None)?;
        s.set_nonblocking(true)?;
        #[cfg(any(target_os = "macos", target_os = "ios"))]
        s.set_nosigpipe(true)?;
        s
    };
    Ok(socket)
}

impl UnixSocket {
    /// Creates a datagram socket (`socket(2)` with `AF_UNIX`, `SOCK_DGRAM`).
    pub fn new_datagram() -> io::Result<UnixSocket> {
        Ok(UnixSocket {
            inner: new_socket(Type::DGRAM)?,
        })
    }

    /// Creates a stream socket (`socket(2)` with `AF_UNIX`, `SOCK_STREAM`).
    pub fn new_stream() -> io::Result<UnixSocket> {
        Ok(UnixSocket {
            inner: new_socket(Type::STREAM)?,
        })
    }

    fn is(&self, ty: Type) -> io::Result<bool> {
        Ok(self.inner.r#type()? == ty)
    }

    /// Binds the socket to the socket file at `path` (`bind(2)`).
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.inner.bind(&SockAddr::unix(path)?)
    }

    /// Starts listening (`listen(2)`, at most `backlog` connections queued) and returns
    /// the listener.
    ///
    /// # Errors
    ///
    /// On a datagram socket, or if `listen` fails (an unbound socket is auto-bound to an
    /// abstract name on Linux).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        if self.is(Type::DGRAM)? {
            return Err(io::Error::other(
                "listen cannot be called on a datagram socket",
            ));
        }
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        UnixListener::new(net::UnixListener::from(OwnedFd::from(self.inner)))
    }

    /// Connects to the socket at `path` and returns the connected stream.
    ///
    /// # Errors
    ///
    /// On a datagram socket, or if the connection is refused.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        if self.is(Type::DGRAM)? {
            return Err(io::Error::other(
                "connect cannot be called on a datagram socket",
            ));
        }
        let addr = SockAddr::unix(path)?;
        UnixStream::connect_socket(self.inner, &addr).await
    }

    /// Turns the socket into a [`UnixDatagram`].
    ///
    /// # Errors
    ///
    /// On a stream socket.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        if self.is(Type::STREAM)? {
            return Err(io::Error::other(
                "datagram cannot be called on a stream socket",
            ));
        }
        UnixDatagram::from_std(net::UnixDatagram::from(OwnedFd::from(self.inner)))
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl FromRawFd for UnixSocket {
    /// Wraps an open Unix-domain socket; it is used as is, so it should be non-blocking.
    ///
    /// # Safety
    ///
    /// `fd` must be an open socket that nothing else owns or closes.
    unsafe fn from_raw_fd(fd: RawFd) -> UnixSocket {
        // SAFETY: the caller hands over sole ownership of an open socket.
        let inner = unsafe { Socket::from_raw_fd(fd) };
        UnixSocket { inner }
    }
}

impl IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}
