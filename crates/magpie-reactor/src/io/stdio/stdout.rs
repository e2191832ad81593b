//! [`Stdout`] and [`Stderr`]: the process's standard output and error, written on the
//! blocking pool.

use super::blocking::Blocking;
use crate::io::AsyncWrite;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A handle to the global standard output stream of the current process.
///
/// Concurrent writes to stdout must be executed with care: only individual writes to this
/// [`AsyncWrite`] are guaranteed to be intact. In particular you should be aware that
/// writes using [`write_all`](crate::io::AsyncWriteExt::write_all) are not guaranteed to
/// occur as a single write, so multiple threads writing data with `write_all` may result in
/// interleaved output.
///
/// A write returns as soon as the bytes are handed to the blocking pool; an error writing
/// them is reported by the next write or flush. Flush (or shut down) before exiting so
/// nothing is lost.
///
/// Created by the [`stdout`] function.
#[derive(Debug)]
pub struct Stdout {
    std: Blocking<io::Stdout>,
}

/// A handle to the standard error stream of a process.
///
/// Concurrent writes to stderr must be executed with care: only individual writes to this
/// [`AsyncWrite`] are guaranteed to be intact. See [`Stdout`] for the details, which apply
/// here too.
///
/// Created by the [`stderr`] function.
#[derive(Debug)]
pub struct Stderr {
    std: Blocking<io::Stderr>,
}

/// Constructs a new handle to the standard output of the current process.
///
/// The returned handle allows writing to standard out from within a magpie runtime; each
/// write runs on the blocking pool.
///
/// # Panics
///
/// Writing or flushing panics outside a magpie runtime.
pub fn stdout() -> Stdout {
    Stdout {
        std: Blocking::new_mandatory(io::stdout()),
    }
}

/// Constructs a new handle to the standard error of the current process.
///
/// The returned handle allows writing to standard error from within a magpie runtime; each
/// write runs on the blocking pool.
///
/// # Panics
///
/// Writing or flushing panics outside a magpie runtime.
pub fn stderr() -> Stderr {
    Stderr {
        std: Blocking::new_mandatory(io::stderr()),
    }
}

macro_rules! blocking_writer {
    ($ty:ident, $std:ident) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().std.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }
        }

        #[cfg(unix)]
        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&io::$std())
            }
        }

        #[cfg(unix)]
        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                // SAFETY: the standard stream's file descriptor stays open for the life of
                // the process, as std assumes for its own handles.
                unsafe {
                    std::os::fd::BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(self))
                }
            }
        }
    };
}

blocking_writer!(Stdout, stdout);
blocking_writer!(Stderr, stderr);
