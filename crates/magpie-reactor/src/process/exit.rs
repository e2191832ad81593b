//! Waiting for a child to exit without blocking a thread.
//!
//! On Linux a child gets a pidfd (`pidfd_open`, Linux 5.3), which the reactor reports
//! readable when the child exits: one registration per child, woken exactly then. Where
//! that is missing (other Unixes, older kernels), the child listens for `SIGCHLD` through
//! [`crate::signal`] and re-checks its status on every delivery (any child's exit raises
//! it, so a wake-up may be for another child; the re-check tells).
//!
//! Children dropped before they were reaped go to an orphan list, reaped whenever another
//! child is spawned or waited for, so they do not linger as zombies (tokio reaps its
//! orphans on `SIGCHLD` in the same spirit).

use std::io;
use std::process::ExitStatus;
use std::task::{Context, Poll};

use crate::driver::poll_evented::PollEvented;
use crate::driver::scheduled_io::Direction;
use crate::loom::global::Mutex;
use crate::signal::unix::{signal, Signal, SignalKind};

/// How a child's exit is noticed.
pub(super) enum ExitWatch {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Pidfd(PollEvented<std::os::fd::OwnedFd>),
    Sigchld(Signal),
}

impl ExitWatch {
    /// Starts watching a child. `listener` must have been created before the child was
    /// spawned (so its exit cannot slip between the spawn and the listener); it is used if
    /// no pidfd can be had.
    pub(super) fn new(pid: u32, listener: Option<Signal>) -> io::Result<ExitWatch> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(fd) = pidfd_open(pid) {
            return Ok(ExitWatch::Pidfd(PollEvented::new_with_interest(
                fd,
                crate::Interest::READABLE,
            )?));
        }
        let _ = pid;
        match listener {
            Some(listener) => Ok(ExitWatch::Sigchld(listener)),
            None => Ok(ExitWatch::Sigchld(signal(SignalKind::child())?)),
        }
    }

    /// A `SIGCHLD` listener to create before spawning, if this platform may need one.
    pub(super) fn listener_before_spawn() -> io::Result<Option<Signal>> {
        if cfg!(any(target_os = "linux", target_os = "android")) && pidfd_supported() {
            return Ok(None);
        }
        signal(SignalKind::child()).map(Some)
    }

    /// Waits until `child` has exited, and returns its status (the child is reaped).
    pub(super) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut std::process::Child,
    ) -> Poll<io::Result<ExitStatus>> {
        let mut moved = false;
        loop {
            if let Some(status) = child.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            match self {
                #[cfg(any(target_os = "linux", target_os = "android"))]
                ExitWatch::Pidfd(fd) => {
                    let ev = match fd.poll_ready(cx, Direction::Read) {
                        Poll::Ready(Ok(ev)) => ev,
                        // The runtime the child was spawned on has shut down, and the child
                        // is awaited from another one (tokio allows that): watch it from
                        // the current runtime's reactor instead, once.
                        Poll::Ready(Err(e)) if !moved => {
                            moved = true;
                            *self = ExitWatch::new(child.id(), None).map_err(|_| e)?;
                            continue;
                        }
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => return Poll::Pending,
                    };
                    // Readable means exited; if the status is not there yet, wait again.
                    match child.try_wait()? {
                        Some(status) => return Poll::Ready(Ok(status)),
                        None => fd.clear_readiness(ev),
                    }
                }
                ExitWatch::Sigchld(listener) => match listener.poll_recv(cx) {
                    Poll::Ready(Some(())) => continue,
                    Poll::Ready(None) => {
                        return Poll::Ready(Err(io::Error::other(
                            "the runtime shut down before the child exited",
                        )))
                    }
                    Poll::Pending => return Poll::Pending,
                },
            }
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn pidfd_open(pid: u32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;

    // SAFETY: `pidfd_open(pid, 0)` takes plain integers and returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` is a new descriptor nothing else owns.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as libc::c_int) })
}

/// Whether this kernel has `pidfd_open` (checked once, on this process's own pid).
fn pidfd_supported() -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        static SUPPORTED: crate::loom::global::OnceLock<bool> =
            crate::loom::global::OnceLock::new();
        *SUPPORTED.get_or_init(|| pidfd_open(std::process::id()).is_some())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    false
}

/// Children dropped before they exited (and were not killed and reaped).
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());

/// Keeps `child` to reap it later.
pub(super) fn adopt(child: std::process::Child) {
    let mut orphans = ORPHANS.lock().unwrap_or_else(|p| p.into_inner());
    orphans.push(child);
}

/// Reaps every orphan that has exited.
pub(super) fn reap_orphans() {
    let mut orphans = ORPHANS.lock().unwrap_or_else(|p| p.into_inner());
    orphans.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::test_exec::block_on;
    use crate::Reactor;

    /// The `SIGCHLD` path (what non-Linux platforms use), forced here on Linux.
    #[test]
    fn sigchld_watch_sees_the_exit() {
        let mut reactor = Reactor::new().unwrap();
        let handle = reactor.handle();
        let status = block_on(&mut reactor, async move {
            let _ = &handle;
            let listener = signal(SignalKind::child()).unwrap();
            let mut child = std::process::Command::new("sh")
                .args(["-c", "sleep 0.05; exit 7"])
                .spawn()
                .unwrap();
            let mut watch = ExitWatch::Sigchld(listener);
            std::future::poll_fn(|cx| watch.poll_exit(cx, &mut child)).await
        });
        assert_eq!(status.unwrap().code(), Some(7));
    }
}
