//! The Linux backend: epoll, edge-triggered, with an eventfd for unparking.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::NOTIFY_KEY;
use crate::driver::interest::Interest;
use crate::driver::ready::Ready;

pub(super) struct Epoll {
    epfd: OwnedFd,
    eventfd: OwnedFd,
}

fn cvt(res: libc::c_int) -> io::Result<libc::c_int> {
    if res < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(res)
    }
}

fn flags_for(interest: Interest) -> u32 {
    let mut flags = libc::EPOLLET as u32;
    if interest.is_readable() {
        flags |= (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
    }
    if interest.is_writable() {
        flags |= libc::EPOLLOUT as u32;
    }
    if interest.is_priority() {
        flags |= (libc::EPOLLPRI | libc::EPOLLRDHUP) as u32;
    }
    // EPOLLERR and EPOLLHUP are always reported.
    flags
}

fn ready_of(flags: u32) -> Ready {
    let has = |f: libc::c_int| flags & f as u32 != 0;
    let mut ready = Ready::EMPTY;
    if has(libc::EPOLLIN) {
        ready |= Ready::READABLE;
    }
    if has(libc::EPOLLOUT) {
        ready |= Ready::WRITABLE;
    }
    if has(libc::EPOLLPRI) {
        ready |= Ready::PRIORITY;
    }
    if has(libc::EPOLLHUP) {
        ready |= Ready::READ_CLOSED | Ready::WRITE_CLOSED;
    } else if has(libc::EPOLLRDHUP) {
        ready |= Ready::READ_CLOSED;
    }
    if has(libc::EPOLLERR) {
        // Wake both directions: their syscalls are what report the error.
        ready |= Ready::ERROR | Ready::READABLE | Ready::WRITABLE;
    }
    ready
}

impl Epoll {
    pub(super) fn new() -> io::Result<Epoll> {
        // SAFETY: plain syscall; the result is checked before use.
        let epfd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `epfd` is a new fd that nothing else owns.
        let epfd = unsafe { OwnedFd::from_raw_fd(epfd) };
        // SAFETY: plain syscall; the result is checked before use.
        let efd = cvt(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: `efd` is a new fd that nothing else owns.
        let eventfd = unsafe { OwnedFd::from_raw_fd(efd) };
        let epoll = Epoll { epfd, eventfd };
        // Edge-triggered: every write to the eventfd is a new event, so it never needs to
        // be read or re-armed.
        epoll.ctl(
            libc::EPOLL_CTL_ADD,
            epoll.eventfd.as_raw_fd(),
            (libc::EPOLLIN | libc::EPOLLET) as u32,
            NOTIFY_KEY,
        )?;
        Ok(epoll)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, flags: u32, key: usize) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events: flags,
            u64: key as u64,
        };
        // SAFETY: `ev` is a valid event for the duration of the call.
        cvt(unsafe { libc::epoll_ctl(self.epfd.as_raw_fd(), op, fd, &mut ev) })?;
        Ok(())
    }

    pub(super) fn add(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, flags_for(interest), key)
    }

    pub(super) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd.as_raw_fd(), 0, 0)
    }

    pub(super) fn wait(
        &self,
        raw: &mut Vec<libc::epoll_event>,
        out: &mut Vec<(usize, Ready)>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        let timeout_ms = match timeout {
            None => -1,
            Some(d) => {
                // Round up, so a timer is never woken before its deadline.
                let ms = d.as_nanos().div_ceil(1_000_000);
                ms.min(libc::c_int::MAX as u128) as libc::c_int
            }
        };
        raw.clear();
        // SAFETY: the kernel writes at most `capacity` events into the vector's spare
        // capacity; `set_len` below covers exactly the ones it reported.
        let n = unsafe {
            libc::epoll_wait(
                self.epfd.as_raw_fd(),
                raw.as_mut_ptr(),
                raw.capacity().min(libc::c_int::MAX as usize) as libc::c_int,
                timeout_ms,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return if err.kind() == io::ErrorKind::Interrupted {
                Ok(())
            } else {
                Err(err)
            };
        }
        // SAFETY: the kernel initialised the first `n` entries.
        unsafe { raw.set_len(n as usize) };
        for ev in raw.iter() {
            let key = ev.u64 as usize;
            if key != NOTIFY_KEY {
                out.push((key, ready_of(ev.events)));
            }
        }
        Ok(())
    }

    pub(super) fn notify(&self) -> io::Result<()> {
        let one = 1u64.to_ne_bytes();
        loop {
            // SAFETY: writes 8 bytes from a valid buffer to our eventfd.
            let n = unsafe { libc::write(self.eventfd.as_raw_fd(), one.as_ptr().cast(), 8) };
            if n >= 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    // The counter is full (after 2^64-2 unreads): drain it and retry.
                    let mut buf = [0u8; 8];
                    // SAFETY: reads 8 bytes into a valid buffer from our eventfd.
                    unsafe { libc::read(self.eventfd.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
                }
                _ => return Err(err),
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn flag_mapping() {
        let hup = ready_of(libc::EPOLLHUP as u32);
        assert!(hup.is_read_closed() && hup.is_write_closed());
        let rdhup = ready_of((libc::EPOLLIN | libc::EPOLLRDHUP) as u32);
        assert!(rdhup.is_read_closed() && !rdhup.is_write_closed());
        let err = ready_of(libc::EPOLLERR as u32);
        assert!(err.is_error() && err.is_readable() && err.is_writable());
        assert_eq!(flags_for(Interest::WRITABLE) & libc::EPOLLIN as u32, 0);
    }

    #[test]
    fn notify_wakes_wait_and_timeouts_round_up() {
        let e = Epoll::new().unwrap();
        let mut raw = Vec::with_capacity(8);
        let mut out = Vec::new();
        e.notify().unwrap();
        e.wait(&mut raw, &mut out, None).unwrap();
        assert!(out.is_empty());
        // The notification was consumed: a short wait times out with nothing.
        e.wait(&mut raw, &mut out, Some(Duration::from_nanos(1)))
            .unwrap();
        assert!(out.is_empty());
        e.notify().unwrap();
        e.notify().unwrap();
        e.wait(&mut raw, &mut out, Some(Duration::MAX)).unwrap();
    }
}
