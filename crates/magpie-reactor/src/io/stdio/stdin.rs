//! [`Stdin`]: the process's standard input, read on the blocking pool.

use super::blocking::Blocking;
use crate::io::{AsyncRead, ReadBuf};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A handle to the standard input stream of a process.
///
/// The handle implements the [`AsyncRead`] trait, but beware that concurrent reads of
/// `Stdin` must be executed with care.
///
/// This handle is best used for non-interactive uses, such as when a file is piped into the
/// application. For technical reasons, `stdin` is implemented by using an ordinary blocking
/// read on a separate thread, and it is impossible to cancel that read. This can make
/// shutdown of the runtime hang until the user presses enter.
///
/// For interactive uses, it is recommended to spawn a thread dedicated to user input and
/// use blocking IO directly in that thread.
///
/// Created by the [`stdin`] function.
#[derive(Debug)]
pub struct Stdin {
    std: Blocking<io::Stdin>,
}

/// Constructs a new handle to the standard input of the current process.
///
/// Each read runs on the runtime's blocking pool; see [`Stdin`] for what that means for
/// interactive input and shutdown.
///
/// # Panics
///
/// Reading panics outside a magpie runtime.
pub fn stdin() -> Stdin {
    Stdin {
        std: Blocking::new(io::stdin()),
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().std.poll_read(cx, buf)
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for Stdin {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(&io::stdin())
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for Stdin {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        // SAFETY: file descriptor 0 stays open for the life of the process, as std assumes
        // for its own `Stdin`.
        unsafe { std::os::fd::BorrowedFd::borrow_raw(std::os::fd::AsRawFd::as_raw_fd(self)) }
    }
}
