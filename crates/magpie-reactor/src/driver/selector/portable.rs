//! The portable backend on the `polling` crate: edge-triggered where the platform allows,
//! oneshot with re-arming elsewhere.

use std::io;
use std::os::fd::{BorrowedFd, RawFd};
use std::time::Duration;

use polling::{Event, PollMode, Poller};

use crate::driver::interest::Interest;
use crate::driver::ready::Ready;

pub(super) struct Portable {
    poller: Poller,
    mode: PollMode,
}

fn event_for(key: usize, interest: Interest) -> Event {
    let mut ev = Event::new(
        key,
        interest.is_readable() || interest.is_error(),
        interest.is_writable(),
    );
    if interest.is_priority() {
        ev.set_priority(true);
    }
    ev
}

fn ready_of(ev: &Event) -> Ready {
    let mut ready = Ready::EMPTY;
    if ev.readable {
        ready |= Ready::READABLE;
    }
    if ev.writable {
        ready |= Ready::WRITABLE;
    }
    if ev.is_interrupt() {
        // HUP: both directions are gone.
        ready |= Ready::READ_CLOSED | Ready::WRITE_CLOSED;
    }
    if ev.is_priority() {
        ready |= Ready::PRIORITY;
    }
    if ev.is_err() == Some(true) {
        ready |= Ready::ERROR;
    }
    ready
}

impl Portable {
    pub(super) fn new(mode: Option<PollMode>) -> io::Result<Portable> {
        let poller = Poller::new()?;
        let mode = mode.unwrap_or(if poller.supports_edge() {
            PollMode::Edge
        } else {
            PollMode::Oneshot
        });
        Ok(Portable { poller, mode })
    }

    pub(super) fn needs_rearm(&self) -> bool {
        self.mode == PollMode::Oneshot
    }

    pub(super) fn name(&self) -> &'static str {
        match self.mode {
            PollMode::Oneshot => "polling (oneshot)",
            _ => "polling (edge-triggered)",
        }
    }

    /// # Safety
    ///
    /// `fd` must stay open until it is deleted.
    pub(super) unsafe fn add(&self, fd: RawFd, key: usize, interest: Interest) -> io::Result<()> {
        // SAFETY: forwarded from this function's contract.
        unsafe {
            self.poller
                .add_with_mode(fd, event_for(key, interest), self.mode)
        }
    }

    pub(super) fn rearm(&self, fd: BorrowedFd<'_>, key: usize, interest: Interest) {
        if self.needs_rearm() {
            // An error means the fd left the poller meanwhile (it is being dropped).
            let _ = self
                .poller
                .modify_with_mode(fd, event_for(key, interest), self.mode);
        }
    }

    pub(super) fn delete(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.poller.delete(fd)
    }

    pub(super) fn wait(
        &self,
        raw: &mut polling::Events,
        out: &mut Vec<(usize, Ready)>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        raw.clear();
        match self.poller.wait(raw, timeout) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        }
        for ev in raw.iter() {
            if ev.key != super::NOTIFY_KEY {
                out.push((ev.key, ready_of(&ev)));
            }
        }
        Ok(())
    }

    pub(super) fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }
}
