//! `TCP_INQ`: reads that learn whether they emptied the socket's receive queue.
//!
//! A read that fills the caller's buffer cannot tell whether more bytes wait behind it, so
//! the readiness stays set and the next read usually costs a syscall that only returns
//! `WouldBlock` (in a request/response exchange, one per message on each side: a quarter
//! of the syscalls of a 1 KiB echo). On Linux, a socket with the `TCP_INQ` option gets, with
//! every `recvmsg`, a control message holding the bytes still queued; when that is zero the
//! read drained the socket and the readiness can be cleared at once (the readiness tick
//! keeps an event that arrived meanwhile, as for a short read).
//!
//! The option costs one `setsockopt`, so a stream turns it on lazily, at the second read
//! that fills its buffer: streams whose reads come back short, and short-lived ones that
//! read one full buffer (a request, a one-byte reply), never pay for it (it showed as one
//! extra syscall per connection in the connection-rate benchmark when it was turned on at
//! the first). Elsewhere (and if the kernel refuses the option) reads fall back to plain
//! `recv`.

use std::io;
use std::os::fd::AsFd;

use crate::io::ReadBuf;
use crate::loom::sync::atomic::{AtomicU8, Ordering};
use crate::net::socket_io;

/// Whether a stream's reads ask the kernel how many bytes are still queued.
#[derive(Debug, Default)]
pub(crate) struct Inq {
    state: AtomicU8,
}

/// No read has filled its buffer yet: the option is off.
const UNTRIED: u8 = 0;
/// One read filled its buffer: the next one that does turns the option on.
const SEEN_FULL: u8 = 1;
/// The option is on: reads use `recvmsg` and learn the queued byte count.
const ON: u8 = 2;
/// The kernel refused the option (or the platform has none): plain reads forever.
const UNAVAILABLE: u8 = 3;

impl Inq {
    pub(crate) fn new() -> Inq {
        Inq::default()
    }

    /// Receives into `buf` and returns the bytes read and whether the read left the
    /// receive queue empty (`false` when unknown).
    pub(crate) fn recv(
        &self,
        sock: &impl AsFd,
        buf: &mut ReadBuf<'_>,
    ) -> io::Result<(usize, bool)> {
        // Relaxed: the state only picks which of two correct syscalls to make.
        if self.state.load(Ordering::Relaxed) == ON {
            return recv_inq(sock, buf);
        }
        let len = buf.remaining();
        let n = socket_io::recv_buf(sock, buf, false)?;
        if n == len && n > 0 {
            match self.state.load(Ordering::Relaxed) {
                UNTRIED => self.state.store(SEEN_FULL, Ordering::Relaxed),
                SEEN_FULL => self.state.store(enable(sock), Ordering::Relaxed),
                _ => {}
            }
        }
        Ok((n, false))
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn enable(sock: &impl AsFd) -> u8 {
    use std::os::fd::AsRawFd;

    let on: libc::c_int = 1;
    // SAFETY: `sock` is an open socket for the duration of the call, and the option value
    // is a live `c_int` whose size is passed alongside it.
    let res = unsafe {
        libc::setsockopt(
            sock.as_fd().as_raw_fd(),
            libc::SOL_TCP,
            libc::TCP_INQ,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if res == 0 {
        ON
    } else {
        UNAVAILABLE
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn enable(_sock: &impl AsFd) -> u8 {
    UNAVAILABLE
}

/// `recvmsg` into the unfilled part of `buf`, reading the `TCP_CM_INQ` control message.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn recv_inq(sock: &impl AsFd, buf: &mut ReadBuf<'_>) -> io::Result<(usize, bool)> {
    use std::os::fd::AsRawFd;

    // Room for one `cmsghdr` carrying a `c_int`, aligned as `cmsghdr` requires.
    let mut control = [0u64; 4];
    // SAFETY: `recvmsg` only writes initialised bytes into the slice and reports how many.
    let unfilled = unsafe { buf.unfilled_mut() };
    let mut iov = libc::iovec {
        iov_base: unfilled.as_mut_ptr().cast(),
        iov_len: unfilled.len(),
    };
    // SAFETY: an all-zero `msghdr` is valid (no name, no iovecs, no control data).
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: every pointer in `msg` points at live buffers of the lengths given (the
    // unfilled part of `buf`, `control`), which outlive the call.
    let n = unsafe { libc::recvmsg(sock.as_fd().as_raw_fd(), &mut msg, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    // SAFETY: the kernel initialised the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    let mut drained = false;
    // SAFETY: `msg` was filled by a successful `recvmsg`, so its control fields describe
    // initialised control messages inside `control`; the CMSG macros stay within
    // `msg_controllen`, and `CMSG_DATA` of a `TCP_CM_INQ` message holds a `c_int`.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_TCP && (*cmsg).cmsg_type == libc::TCP_CM_INQ {
                let queued = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::c_int>());
                drained = queued == 0;
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok((n, drained))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn recv_inq(sock: &impl AsFd, buf: &mut ReadBuf<'_>) -> io::Result<(usize, bool)> {
    socket_io::recv_buf(sock, buf, false).map(|n| (n, false))
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_second_full_read_turns_the_option_on_and_later_reads_report_the_queue() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        let inq = Inq::new();

        writer.write_all(&[1; 10]).unwrap();
        // Blocking socket: the first read waits for the bytes and fills the buffer; one
        // full read is not enough to pay for the option.
        let mut storage = [0u8; 2];
        let mut buf = ReadBuf::new(&mut storage);
        assert_eq!(inq.recv(&reader, &mut buf).unwrap(), (2, false));
        assert_eq!(inq.state.load(Ordering::Relaxed), SEEN_FULL);
        let mut storage = [0u8; 4];
        let mut buf = ReadBuf::new(&mut storage);
        assert_eq!(inq.recv(&reader, &mut buf).unwrap(), (4, false));
        assert_eq!(inq.state.load(Ordering::Relaxed), ON);

        // Four bytes are still queued: a read of two leaves two behind.
        let mut storage = [0u8; 2];
        let mut buf = ReadBuf::new(&mut storage);
        assert_eq!(inq.recv(&reader, &mut buf).unwrap(), (2, false));
        // The last two drain the queue, and the kernel says so.
        let mut storage = [0u8; 2];
        let mut buf = ReadBuf::new(&mut storage);
        assert_eq!(inq.recv(&reader, &mut buf).unwrap(), (2, true));
        assert_eq!(buf.filled(), &[1, 1]);
    }

    #[test]
    fn short_reads_never_turn_the_option_on() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        let inq = Inq::new();
        writer.write_all(&[2; 3]).unwrap();
        let mut storage = [0u8; 16];
        let mut buf = ReadBuf::new(&mut storage);
        assert_eq!(inq.recv(&reader, &mut buf).unwrap(), (3, false));
        assert_eq!(inq.state.load(Ordering::Relaxed), UNTRIED);
    }
}
