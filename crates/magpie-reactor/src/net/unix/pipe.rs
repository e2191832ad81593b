//! Unix pipes and FIFOs on the reactor: [`pipe()`] for an anonymous pair, [`OpenOptions`]
//! to open a named FIFO, and the two ends, [`Sender`] and [`Receiver`].
//!
//! Both ends are non-blocking descriptors registered for one direction each. Reads and
//! writes go straight to `read(2)`/`write(2)`; the `try_` forms never wait, the
//! `AsyncRead`/`AsyncWrite` impls wait for readiness. A `Receiver` whose writers have all
//! closed reads end-of-stream (0 bytes); a `Sender` whose readers have all closed gets
//! `BrokenPipe`.

use std::fmt;
use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use crate::{Interest, Ready};

/// Creates an anonymous pipe: what is written to the [`Sender`] is read from the
/// [`Receiver`].
///
/// ```no_run
/// use magpie_reactor::net::unix::pipe;
/// # async fn run() -> std::io::Result<()> {
/// let (tx, rx) = pipe::pipe()?;
/// tx.writable().await?;
/// tx.try_write(b"hello")?;
/// rx.readable().await?;
/// let mut buf = [0; 5];
/// let n = rx.try_read(&mut buf)?;
/// # let _ = n;
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// Outside a runtime, or in one built without I/O.
#[track_caller]
pub fn pipe() -> io::Result<(Sender, Receiver)> {
    let (rx, tx) = new_pipe()?;
    Ok((
        Sender::from_owned_fd_unchecked(tx)?,
        Receiver::from_owned_fd_unchecked(rx)?,
    ))
}

/// A new non-blocking, close-on-exec pipe: (read end, write end).
fn new_pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos"
    ))]
    {
        // SAFETY: `fds` has room for the two descriptors `pipe2` writes.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos"
    )))]
    {
        // SAFETY: `fds` has room for the two descriptors `pipe` writes.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    // SAFETY: both descriptors were just created and are owned by nothing else.
    let (rx, tx) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos"
    )))]
    for fd in [&rx, &tx] {
        set_nonblocking(fd.as_fd(), true)?;
        // SAFETY: `fd` is open for the duration of the call.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok((rx, tx))
}

/// How to open a named FIFO as a [`Sender`] or [`Receiver`].
///
/// By default the file must be a FIFO (else `InvalidInput`), and a sender is opened
/// write-only, which fails with `ENXIO` while no reader has the FIFO open.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    read_write: bool,
    unchecked: bool,
}

impl OpenOptions {
    /// Options with everything off.
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// Opens the FIFO for reading and writing (Linux only; POSIX leaves it undefined).
    ///
    /// A sender opened so succeeds with no reader present; a receiver opened so never
    /// sees end-of-stream when the writers go away, since it is a writer itself.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn read_write(&mut self, value: bool) -> &mut OpenOptions {
        self.read_write = value;
        self
    }

    /// Skips the check that the opened file is a FIFO.
    pub fn unchecked(&mut self, value: bool) -> &mut OpenOptions {
        self.unchecked = value;
        self
    }

    /// Opens the FIFO at `path` as a [`Receiver`].
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn open_receiver<P: AsRef<Path>>(&self, path: P) -> io::Result<Receiver> {
        let file = self.open(path.as_ref(), false)?;
        Receiver::from_owned_fd_unchecked(file.into())
    }

    /// Opens the FIFO at `path` as a [`Sender`].
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn open_sender<P: AsRef<Path>>(&self, path: P) -> io::Result<Sender> {
        let file = self.open(path.as_ref(), true)?;
        Sender::from_owned_fd_unchecked(file.into())
    }

    fn open(&self, path: &Path, sender: bool) -> io::Result<File> {
        let mut options = std::fs::OpenOptions::new();
        options
            .read(!sender)
            .write(sender)
            .custom_flags(libc::O_NONBLOCK);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.read_write {
            options.read(true).write(true);
        }
        let file = options.open(path)?;
        if !self.unchecked && !is_fifo(file.as_fd())? {
            return Err(not_a_pipe());
        }
        Ok(file)
    }
}

fn not_a_pipe() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a pipe")
}

fn is_fifo(fd: BorrowedFd<'_>) -> io::Result<bool> {
    // `fstat` on a duplicate would cost a descriptor; std's metadata needs a `File`, so
    // borrow the fd as one without taking ownership.
    let file = std::mem::ManuallyDrop::new(
        // SAFETY: the `File` is never dropped (ManuallyDrop), so it never closes `fd`,
        // which stays open for the borrow's lifetime.
        unsafe { File::from_raw_fd(fd.as_raw_fd()) },
    );
    Ok(file.metadata()?.file_type().is_fifo())
}

fn status_flags(fd: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    // SAFETY: `fd` is open for the duration of the call; F_GETFL takes no argument.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(flags)
}

/// Switches `O_NONBLOCK` on or off.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    let flags = status_flags(fd)?;
    let next = if on {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    if next != flags {
        // SAFETY: `fd` is open for the duration of the call; F_SETFL takes the flag word.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, next) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Checks that `fd` is a pipe opened for `sender`'s direction, and makes it non-blocking.
fn check_pipe_end(fd: BorrowedFd<'_>, sender: bool) -> io::Result<()> {
    if !is_fifo(fd)? {
        return Err(not_a_pipe());
    }
    let mode = status_flags(fd)? & libc::O_ACCMODE;
    let ok = mode == libc::O_RDWR
        || mode
            == if sender {
                libc::O_WRONLY
            } else {
                libc::O_RDONLY
            };
    if !ok {
        let msg = if sender {
            "not in O_WRONLY or O_RDWR access mode"
        } else {
            "not in O_RDONLY or O_RDWR access mode"
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    }
    set_nonblocking(fd, true)
}

/// `read(2)` into the unfilled part of `buf`, advancing it.
pub(crate) fn read_buf(fd: &OwnedFd, buf: &mut ReadBuf<'_>) -> io::Result<usize> {
    // SAFETY: `read` only writes initialised bytes into the slice and reports how many.
    let unfilled = unsafe { buf.unfilled_mut() };
    // SAFETY: the pointer and length describe the live unfilled part of `buf`.
    let n = unsafe { libc::read(fd.as_raw_fd(), unfilled.as_mut_ptr().cast(), unfilled.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    // SAFETY: the kernel initialised the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(n)
}

/// `write(2)` of `data`.
pub(crate) fn write(fd: &OwnedFd, data: &[u8]) -> io::Result<usize> {
    // SAFETY: the pointer and length describe the live slice `data`.
    let n = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

fn readv(fd: &OwnedFd, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
    let count = bufs.len().min(libc::c_int::MAX as usize) as libc::c_int;
    // SAFETY: `IoSliceMut` is ABI-compatible with `iovec`; each one describes a live,
    // writable buffer, and `count` does not exceed the slice.
    let n = unsafe { libc::readv(fd.as_raw_fd(), bufs.as_mut_ptr().cast(), count) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

fn writev(fd: &OwnedFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    let count = bufs.len().min(libc::c_int::MAX as usize) as libc::c_int;
    // SAFETY: `IoSlice` is ABI-compatible with `iovec`; each one describes a live buffer,
    // and `count` does not exceed the slice.
    let n = unsafe { libc::writev(fd.as_raw_fd(), bufs.as_ptr().cast(), count) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}

/// The writing end of a pipe or FIFO.
pub struct Sender {
    io: PollEvented<OwnedFd>,
}

impl Sender {
    /// Wraps the writing end of a pipe, checking that it is one (`InvalidInput` otherwise)
    /// and switching it to non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd(file.into())
    }

    /// Like [`from_file`](Self::from_file), for an owned descriptor.
    #[track_caller]
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Sender> {
        check_pipe_end(fd.as_fd(), true)?;
        Sender::from_owned_fd_unchecked(fd)
    }

    /// Wraps `file` with no checks: it must be the writing end of a pipe, non-blocking.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Sender> {
        Sender::from_owned_fd_unchecked(file.into())
    }

    /// Wraps `fd` with no checks: it must be the writing end of a pipe, non-blocking.
    #[track_caller]
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Sender> {
        Ok(Sender {
            io: PollEvented::new_with_interest(fd, Interest::WRITABLE)?,
        })
    }

    /// Waits for any of `interest`; returns what is ready. Cancel safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// Waits until the pipe may be writable. Cancel safe.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for write readiness; only the most recent waker is woken.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Write).map_ok(drop)
    }

    /// Writes without waiting; `WouldBlock` if the pipe is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |fd| write(fd, buf))
    }

    /// Writes from several buffers without waiting; `WouldBlock` if the pipe is full.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |fd| writev(fd, bufs))
    }

    /// Runs `f` if the pipe looks writable, clearing the readiness when it returns
    /// `WouldBlock`.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Interest::WRITABLE, |_| f())
    }

    /// Deregisters the pipe and returns its descriptor in blocking mode (for a child
    /// process's stdio, say).
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let fd = self.into_nonblocking_fd()?;
        set_nonblocking(fd.as_fd(), false)?;
        Ok(fd)
    }

    /// Deregisters the pipe and returns its descriptor, still non-blocking.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        self.io.into_inner()
    }
}

impl AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_io(cx, Direction::Write, buf.len(), |fd| write(fd, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.io
            .poll_stream_io(cx, Direction::Write, len, |fd| writev(fd, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The reading end of a pipe or FIFO.
pub struct Receiver {
    io: PollEvented<OwnedFd>,
}

impl Receiver {
    /// Wraps the reading end of a pipe, checking that it is one (`InvalidInput` otherwise)
    /// and switching it to non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub fn from_file(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd(file.into())
    }

    /// Like [`from_file`](Self::from_file), for an owned descriptor.
    #[track_caller]
    pub fn from_owned_fd(fd: OwnedFd) -> io::Result<Receiver> {
        check_pipe_end(fd.as_fd(), false)?;
        Receiver::from_owned_fd_unchecked(fd)
    }

    /// Wraps `file` with no checks: it must be the reading end of a pipe, non-blocking.
    #[track_caller]
    pub fn from_file_unchecked(file: File) -> io::Result<Receiver> {
        Receiver::from_owned_fd_unchecked(file.into())
    }

    /// Wraps `fd` with no checks: it must be the reading end of a pipe, non-blocking.
    #[track_caller]
    pub fn from_owned_fd_unchecked(fd: OwnedFd) -> io::Result<Receiver> {
        Ok(Receiver {
            io: PollEvented::new_with_interest(fd, Interest::READABLE)?,
        })
    }

    /// Waits for any of `interest`; returns what is ready. Cancel safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// Waits until the pipe may be readable. Cancel safe.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Polls for read readiness; only the most recent waker is woken.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Direction::Read).map_ok(drop)
    }

    /// Reads without waiting; `WouldBlock` if the pipe is empty, `Ok(0)` at end-of-stream
    /// (every writer closed).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |fd| {
            read_buf(fd, &mut ReadBuf::new(buf))
        })
    }

    /// Reads into several buffers without waiting.
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |fd| readv(fd, bufs))
    }

    /// Reads into the spare capacity of `buf` (a `bytes::BufMut`) without waiting,
    /// advancing it by the bytes read.
    pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |fd| {
            let dst = buf.chunk_mut();
            // SAFETY: `UninitSlice` is a `[MaybeUninit<u8>]` lent by the buffer; `read`
            // only writes initialised bytes into it.
            let dst = unsafe {
                &mut *(dst as *mut bytes::buf::UninitSlice as *mut [std::mem::MaybeUninit<u8>])
            };
            let mut rb = ReadBuf::uninit(dst);
            let n = read_buf(fd, &mut rb)?;
            // SAFETY: the first `n` bytes of the chunk were just initialised by the kernel.
            unsafe { buf.advance_mut(n) };
            Ok(n)
        })
    }

    /// Runs `f` if the pipe looks readable, clearing the readiness when it returns
    /// `WouldBlock`.
    pub fn try_io<R>(&self, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(Interest::READABLE, |_| f())
    }

    /// Deregisters the pipe and returns its descriptor in blocking mode.
    pub fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let fd = self.into_nonblocking_fd()?;
        set_nonblocking(fd.as_fd(), false)?;
        Ok(fd)
    }

    /// Deregisters the pipe and returns its descriptor, still non-blocking.
    pub fn into_nonblocking_fd(self) -> io::Result<OwnedFd> {
        self.io.into_inner()
    }
}

impl AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let len = buf.remaining();
        self.io
            .poll_stream_io(cx, Direction::Read, len, |fd| read_buf(fd, buf))
            .map_ok(drop)
    }
}

macro_rules! fd_traits {
    ($end:ident) => {
        impl AsRawFd for $end {
            fn as_raw_fd(&self) -> RawFd {
                self.io.raw_fd()
            }
        }

        impl AsFd for $end {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.fd()
            }
        }

        impl fmt::Debug for $end {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($end))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }
    };
}

fd_traits!(Sender);
fd_traits!(Receiver);
