//! The non-blocking socket syscalls every stream and datagram type shares: reads into a
//! `ReadBuf`'s uninitialised tail, writes that never raise `SIGPIPE`, accepts that create
//! the new socket non-blocking in one call.

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

use socket2::{SockAddr, SockRef};

use crate::io::ReadBuf;

/// `send` flags: report a closed peer as `EPIPE` instead of killing the process.
#[cfg(any(target_os = "linux", target_os = "android"))]
const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const SEND_FLAGS: libc::c_int = 0;

/// Receives into the unfilled part of `buf` (`MSG_PEEK` when `peek`), advancing it.
pub(crate) fn recv_buf(sock: &impl AsFd, buf: &mut ReadBuf<'_>, peek: bool) -> io::Result<usize> {
    let sock = SockRef::from(sock);
    // SAFETY: `recv`/`peek` only write initialised bytes into the slice and report how
    // many; nothing here de-initialises bytes of the buffer.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = if peek {
        sock.peek(unfilled)?
    } else {
        sock.recv(unfilled)?
    };
    // SAFETY: the kernel initialised the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(n)
}

/// Receives into a plain byte slice.
pub(crate) fn recv(sock: &impl AsFd, buf: &mut [u8], peek: bool) -> io::Result<usize> {
    let mut rb = ReadBuf::new(buf);
    recv_buf(sock, &mut rb, peek)
}

/// Receives into the spare capacity of a `bytes::BufMut`, advancing it by the bytes read
/// (tokio's `try_read_buf`).
pub(crate) fn recv_buf_mut<B: bytes::BufMut + ?Sized>(
    sock: &impl AsFd,
    buf: &mut B,
) -> io::Result<usize> {
    let dst = buf.chunk_mut();
    // SAFETY: `as_uninit_slice_mut` requires that no uninitialised byte is written into
    // the slice; the kernel only writes received (initialised) bytes into it.
    let dst = unsafe { dst.as_uninit_slice_mut() };
    let mut rb = ReadBuf::uninit(dst);
    recv_buf(sock, &mut rb, false)?;
    let n = rb.filled().len();
    // SAFETY: the first `n` bytes of the chunk were just initialised by the kernel.
    unsafe { buf.advance_mut(n) };
    Ok(n)
}

/// Receives a datagram into the spare capacity of a `bytes::BufMut`, advancing it by the
/// datagram's length, and returns that length with the sender's address.
pub(crate) fn recv_from_buf_mut<B: bytes::BufMut + ?Sized>(
    sock: &impl AsFd,
    buf: &mut B,
) -> io::Result<(usize, SockAddr)> {
    let dst = buf.chunk_mut();
    // SAFETY: `as_uninit_slice_mut` requires that no uninitialised byte is written into
    // the slice; the kernel only writes received (initialised) bytes into it.
    let dst = unsafe { dst.as_uninit_slice_mut() };
    let mut rb = ReadBuf::uninit(dst);
    let from = recv_from_buf(sock, &mut rb, false)?;
    let n = rb.filled().len();
    // SAFETY: the first `n` bytes of the chunk were just initialised by the kernel.
    unsafe { buf.advance_mut(n) };
    Ok((n, from))
}

/// Receives a datagram into `buf` with its sender's address.
pub(crate) fn recv_from_buf(
    sock: &impl AsFd,
    buf: &mut ReadBuf<'_>,
    peek: bool,
) -> io::Result<SockAddr> {
    let sock = SockRef::from(sock);
    // SAFETY: as in `recv_buf`, the kernel writes only initialised bytes.
    let unfilled = unsafe { buf.unfilled_mut() };
    let (n, addr) = if peek {
        sock.peek_from(unfilled)?
    } else {
        sock.recv_from(unfilled)?
    };
    // SAFETY: the kernel initialised the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Ok(addr)
}

/// Sends `buf` without raising `SIGPIPE`.
/// Sends `buf` to `addr` without raising `SIGPIPE`.
pub(crate) fn send_to(sock: &impl AsFd, buf: &[u8], addr: &SockAddr) -> io::Result<usize> {
    SockRef::from(sock).send_to_with_flags(buf, addr, SEND_FLAGS)
}

pub(crate) fn send(sock: &impl AsFd, buf: &[u8]) -> io::Result<usize> {
    SockRef::from(sock).send_with_flags(buf, SEND_FLAGS)
}

/// Sends `bufs` with one `sendmsg`, without raising `SIGPIPE`.
pub(crate) fn send_vectored(sock: &impl AsFd, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    SockRef::from(sock).send_vectored_with_flags(bufs, SEND_FLAGS)
}

/// Accepts a connection; the new socket is non-blocking and close-on-exec.
pub(crate) fn accept(sock: &impl AsFd) -> io::Result<(OwnedFd, SockAddr)> {
    let fd = sock.as_fd().as_raw_fd();
    // SAFETY: `accept_with` hands us zeroed storage of the right size and its length;
    // `accept4`/`accept` fill at most that many bytes.
    let (res, addr) = unsafe {
        SockAddr::try_init(|storage, len| {
            #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
            let res = libc::accept4(
                fd,
                storage.cast(),
                len,
                libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            );
            #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
            let res = libc::accept(fd, storage.cast(), len);
            if res < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(res)
            }
        })?
    };
    // SAFETY: `res` is a new fd returned by accept that nothing else owns.
    let owned = unsafe { OwnedFd::from_raw_fd(res) };
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    {
        let sock = SockRef::from(&owned);
        sock.set_nonblocking(true)?;
        sock.set_cloexec(true)?;
        sock.set_nosigpipe(true)?;
    }
    Ok((owned, addr))
}
