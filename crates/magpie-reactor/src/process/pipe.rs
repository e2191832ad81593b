//! [`ChildStdin`], [`ChildStdout`], [`ChildStderr`]: a child's standard streams as
//! non-blocking pipes on the reactor.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::net::unix::pipe::{read_buf, set_nonblocking, write};
use crate::Interest;

/// One end of a pipe to a child, registered with the current reactor.
struct Pipe {
    io: PollEvented<OwnedFd>,
}

impl Pipe {
    fn new(fd: OwnedFd, interest: Interest) -> io::Result<Pipe> {
        set_nonblocking(fd.as_fd(), true)?;
        Ok(Pipe {
            io: PollEvented::new_with_interest(fd, interest)?,
        })
    }

    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let len = buf.remaining();
        self.io
            .poll_stream_io(cx, Direction::Read, len, |fd| read_buf(fd, buf))
            .map_ok(drop)
    }

    fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_io(cx, Direction::Write, data.len(), |fd| write(fd, data))
    }

    fn into_owned_fd(self) -> io::Result<OwnedFd> {
        let fd = self.io.into_inner()?;
        // Handed on to code that may expect a blocking descriptor (another process).
        set_nonblocking(fd.as_fd(), false)?;
        Ok(fd)
    }
}

macro_rules! child_stream {
    ($name:ident, $std:ty, $interest:expr, $doc:literal) => {
        #[doc = $doc]
        pub struct $name {
            pipe: Pipe,
        }

        impl $name {
            /// Makes the std handle asynchronous (non-blocking, on the current reactor).
            ///
            /// # Errors
            ///
            /// If the pipe cannot be switched to non-blocking mode or registered.
            ///
            /// # Panics
            ///
            /// Outside a runtime, or in one built without I/O.
            #[track_caller]
            pub fn from_std(inner: $std) -> io::Result<Self> {
                Ok($name {
                    pipe: Pipe::new(OwnedFd::from(inner), $interest)?,
                })
            }

            /// Gives up the reactor registration and returns the descriptor, back in
            /// blocking mode.
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.pipe.into_owned_fd()
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.io.raw_fd()
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.io.fd()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }

        /// The pipe as another child's standard stream (to connect two children).
        impl TryFrom<$name> for Stdio {
            type Error = io::Error;

            fn try_from(stream: $name) -> io::Result<Stdio> {
                Ok(Stdio::from(stream.into_owned_fd()?))
            }
        }
    };
}

child_stream!(
    ChildStdin,
    std::process::ChildStdin,
    Interest::WRITABLE,
    "A child's standard input: write to it with the `AsyncWrite` methods; dropping it closes the pipe (the child sees end of input)."
);
child_stream!(
    ChildStdout,
    std::process::ChildStdout,
    Interest::READABLE,
    "A child's standard output: read it with the `AsyncRead` methods."
);
child_stream!(
    ChildStderr,
    std::process::ChildStderr,
    Interest::READABLE,
    "A child's standard error: read it with the `AsyncRead` methods."
);

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

macro_rules! child_read {
    ($name:ident) => {
        impl AsyncRead for $name {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                self.pipe.poll_read(cx, buf)
            }
        }
    };
}

child_read!(ChildStdout);
child_read!(ChildStderr);
