//! [`Selector`]: the OS readiness API under the reactor.
//!
//! On Linux it talks to epoll directly: one `epoll_wait` per reactor turn, an `eventfd`
//! registered edge-triggered for unparking, and `EPOLLRDHUP` so a peer's half-close is a
//! sticky read-closed state. Everywhere else it uses the `polling` crate (kqueue, event
//! ports, `poll`), edge-triggered where supported and oneshot with re-arming otherwise.
//!
//! Why not `polling` on Linux too: its `wait` re-arms its notifier and timer on every call,
//! five syscalls per reactor turn instead of one, which cost about a fifth of the
//! throughput of a single-connection ping-pong; and it cannot ask for `EPOLLRDHUP`, without
//! which a short read cannot safely clear readiness. The `polling` backend stays available
//! (and tested) on Linux through [`Selector::with_polling`].

#[cfg(target_os = "linux")]
mod epoll;
mod portable;

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use polling::PollMode;

use super::interest::Interest;
use super::ready::Ready;

/// Key reserved for the selector's own wake-up source; registration keys never reach it.
pub(crate) const NOTIFY_KEY: usize = usize::MAX;

pub(crate) struct Selector {
    imp: Imp,
}

enum Imp {
    #[cfg(target_os = "linux")]
    Epoll(epoll::Epoll),
    Portable(portable::Portable),
}

/// The events of one wait, as `(registration key, readiness)`.
pub(crate) struct Events {
    pub(crate) ready: Vec<(usize, Ready)>,
    raw: RawEvents,
}

enum RawEvents {
    #[cfg(target_os = "linux")]
    Epoll(Vec<libc::epoll_event>),
    Portable(polling::Events),
}

impl Selector {
    /// The platform's best backend.
    pub(crate) fn new() -> io::Result<Selector> {
        #[cfg(target_os = "linux")]
        return Ok(Selector {
            imp: Imp::Epoll(epoll::Epoll::new()?),
        });
        #[cfg(not(target_os = "linux"))]
        return Selector::with_polling(None);
    }

    /// The `polling` backend, in `mode` (`None`: edge-triggered if supported, else oneshot).
    pub(crate) fn with_polling(mode: Option<PollMode>) -> io::Result<Selector> {
        Ok(Selector {
            imp: Imp::Portable(portable::Portable::new(mode)?),
        })
    }

    pub(crate) fn events(&self) -> Events {
        let raw = match &self.imp {
            #[cfg(target_os = "linux")]
            Imp::Epoll(_) => RawEvents::Epoll(Vec::with_capacity(1024)),
            Imp::Portable(_) => RawEvents::Portable(polling::Events::new()),
        };
        Events {
            ready: Vec::with_capacity(1024),
            raw,
        }
    }

    /// Whether registrations must be re-armed after each event (oneshot mode).
    pub(crate) fn needs_rearm(&self) -> bool {
        match &self.imp {
            #[cfg(target_os = "linux")]
            Imp::Epoll(_) => false,
            Imp::Portable(p) => p.needs_rearm(),
        }
    }

    /// Whether a peer's half-close is reported as read-closed (sticky), so a short read
    /// may clear readable readiness without missing the end of the stream.
    pub(crate) fn reports_read_closed(&self) -> bool {
        match &self.imp {
            #[cfg(target_os = "linux")]
            Imp::Epoll(_) => true,
            Imp::Portable(_) => false,
        }
    }

    /// Registers `fd` under `key`.
    ///
    /// # Safety
    ///
    /// `fd` must stay open until it is passed to [`delete`](Selector::delete).
    pub(crate) unsafe fn add(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        match &self.imp {
            #[cfg(target_os = "linux")]
            Imp::Epoll(e) => e.add(fd, key, interest),
            // SAFETY: forwarded from this function's contract.
            Imp::Portable(p) => unsafe { p.add(fd, key, interest) },
        }
    }

    /// Re-arms a oneshot registration for `interest` (no-op for other modes).
    pub(crate) fn rearm(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) {
        if let Imp::Portable(p) = &self.imp {
            p.rearm(fd, key, interest);
        }
    }

    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        match &self.imp {
            #[cfg(target_os = "linux")]
            Imp::Epoll(e) => e.delete(fd),
            Imp::Portable(p) => p.delete(fd),
        }
    }

    /// Waits for events (at most `timeout`; zero polls without blocking). An interrupted
    /// wait returns no events.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.ready.clear();
        match (&self.imp, &mut events.raw) {
            #[cfg(target_os = "linux")]
            (Imp::Epoll(e), RawEvents::Epoll(raw)) => e.wait(raw, &mut events.ready, timeout),
            (Imp::Portable(p), RawEvents::Portable(raw)) => p.wait(raw, &mut events.ready, timeout),
            #[allow(unreachable_patterns)]
            _ => unreachable!("events buffer from another selector"),
        }
    }

    /// Wakes the current (or next) `wait`.
    pub(crate) fn notify(&self) -> io::Result<()> {
        match &self.imp {
            #[cfg(target_os = "linux")]
            Imp::Epoll(e) => e.notify(),
            Imp::Portable(p) => p.notify(),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match &self.imp {
            #[cfg(target_os = "linux")]
            Imp::Epoll(_) => "epoll (edge-triggered)",
            Imp::Portable(p) => p.name(),
        }
    }
}
