//! [`PollEvented`]: an owned OS resource registered with the current reactor, and the
//! wait-then-syscall loops every net type is built from.
//!
//! Each operation waits for readiness, tries its non-blocking syscall, and on `WouldBlock`
//! clears the readiness it saw (the tick check in `ScheduledIo` keeps a newer event) and
//! waits again. Each operation (not a bare readiness wait, as in tokio) spends one unit of
//! the task's coop budget. Dropping a
//! `PollEvented` removes the fd from the poller before closing it.

use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use magpie_sched::coop;

use super::handle::Handle;
use super::interest::Interest;
use super::scheduled_io::{Direction, ReadyEvent, ScheduledIo};

/// An I/O resource registered with a reactor.
pub(crate) struct PollEvented<E: AsFd> {
    io: Option<E>,
    handle: Handle,
    key: usize,
    sched: Arc<ScheduledIo>,
    interest: Interest,
    /// A short read or write may clear readiness (the selector reports closed states).
    short_io_clears: bool,
}

impl<E: AsFd> PollEvented<E> {
    /// Registers `io` for reading and writing with the current reactor.
    ///
    /// Panics outside a runtime (or in one without I/O), like tokio.
    #[track_caller]
    pub(crate) fn new(io: E) -> io::Result<Self> {
        Self::new_with_interest(io, Interest::READABLE | Interest::WRITABLE)
    }

    #[track_caller]
    pub(crate) fn new_with_interest(io: E, interest: Interest) -> io::Result<Self> {
        let handle = Handle::current();
        Self::new_with_handle(io, interest, handle)
    }

    pub(crate) fn new_with_handle(io: E, interest: Interest, handle: Handle) -> io::Result<Self> {
        Self::try_new_with_handle(io, interest, handle).map_err(|(_, e)| e)
    }

    /// Like [`new_with_handle`](Self::new_with_handle), but a failed registration hands
    /// `io` back with the error instead of dropping it.
    pub(crate) fn try_new_with_handle(
        io: E,
        interest: Interest,
        handle: Handle,
    ) -> Result<Self, (E, io::Error)> {
        let token = match handle.shared().register(io.as_fd(), interest) {
            Ok(token) => token,
            Err(e) => return Err((io, e)),
        };
        let short_io_clears = handle.shared().short_io_clears();
        Ok(PollEvented {
            short_io_clears,
            io: Some(io),
            handle,
            key: token.key,
            sched: token.io,
            interest,
        })
    }

    /// Marks the resource `ready` before the poller says so; see
    /// [`ScheduledIo::assume_ready`].
    pub(crate) fn assume_ready(&self, ready: super::ready::Ready) {
        self.sched.assume_ready(ready);
    }

    pub(crate) fn get_ref(&self) -> &E {
        self.io.as_ref().expect("PollEvented used after into_inner")
    }

    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }

    pub(crate) fn raw_fd(&self) -> i32 {
        self.fd().as_raw_fd()
    }

    /// Deregisters and returns the resource (still in non-blocking mode).
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let io = self.io.take().expect("PollEvented used after into_inner");
        self.handle.shared().deregister(io.as_fd(), self.key)?;
        Ok(io)
    }

    /// Deregisters and returns the resource, ignoring a failed deregistration (the fd is
    /// then no longer in the poller anyway).
    pub(crate) fn into_inner_lossy(mut self) -> E {
        let io = self.io.take().expect("PollEvented used after into_inner");
        let _ = self.handle.shared().deregister(io.as_fd(), self.key);
        io
    }

    pub(crate) fn get_mut(&mut self) -> &mut E {
        self.io.as_mut().expect("PollEvented used after into_inner")
    }

    fn event_result(&self, ev: ReadyEvent) -> io::Result<ReadyEvent> {
        if ev.is_shutdown {
            Err(Handle::shutdown_error())
        } else {
            Ok(ev)
        }
    }

    fn rearm(&self) {
        self.handle
            .shared()
            .rearm(self.fd(), self.key, self.interest, &self.sched);
    }

    /// Waits for readiness in `direction`, spending a unit of coop budget.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<ReadyEvent>> {
        let restore = ready!(coop::poll_proceed(cx));
        match self.sched.poll_ready(cx, direction) {
            Poll::Ready(ev) => {
                restore.made_progress();
                Poll::Ready(self.event_result(ev))
            }
            Poll::Pending => {
                self.rearm();
                Poll::Pending
            }
        }
    }

    pub(crate) fn clear_readiness(&self, ev: ReadyEvent) {
        self.sched.clear_readiness(ev);
    }

    /// Waits for readiness and runs `f` until it does not return `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut f: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let ev = ready!(self.poll_ready(cx, direction))?;
            match f(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(ev),
                res => return Poll::Ready(res),
            }
        }
    }

    /// Like [`poll_io`](Self::poll_io) for a stream operation moving up to `len` bytes: a
    /// transfer shorter than `len` means the kernel buffer ran dry (or full), so the
    /// readiness is cleared without spending a syscall to see `WouldBlock`. Only done
    /// when the selector reports closed states, so an end-of-stream that arrived with the
    /// data is not missed.
    pub(crate) fn poll_stream_io(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut f: impl FnMut(&E) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_stream_io_drained(cx, direction, len, |io| f(io).map(|n| (n, false)))
    }

    /// [`poll_stream_io`](Self::poll_stream_io) for an operation that may also learn from
    /// the kernel that it drained the buffer (`f` returns `(n, drained)`, see
    /// `net::tcp::inq`): a drained transfer clears readiness like a short one.
    pub(crate) fn poll_stream_io_drained(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        mut f: impl FnMut(&E) -> io::Result<(usize, bool)>,
    ) -> Poll<io::Result<usize>> {
        loop {
            let ev = ready!(self.poll_ready(cx, direction))?;
            match f(self.get_ref()) {
                Ok((n, drained)) => {
                    if self.short_io_clears && n > 0 && (n < len || drained) {
                        self.clear_readiness(ev);
                    }
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(ev),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// Runs `f` once if the resource looks ready for `interest`; `WouldBlock` otherwise.
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        // The shutdown bit is not checked (as in tokio): readiness seen before the reactor
        // went away still lets the syscall run, so data already queued can be read; once
        // a `WouldBlock` clears it, only `WouldBlock` is left, and the waiting forms report
        // the shutdown.
        let ev = self.sched.ready_now(interest);
        if ev.ready.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let res = f(self.get_ref());
        if matches!(&res, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.clear_readiness(ev);
        }
        res
    }

    /// [`try_io`](Self::try_io) with mutable access to the resource.
    pub(crate) fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut E) -> io::Result<R>,
    ) -> io::Result<R> {
        // The shutdown bit is not checked (as in tokio): readiness seen before the reactor
        // went away still lets the syscall run, so data already queued can be read; once
        // a `WouldBlock` clears it, only `WouldBlock` is left, and the waiting forms report
        // the shutdown.
        let ev = self.sched.ready_now(interest);
        if ev.ready.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let res = f(self.get_mut());
        if matches!(&res, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.clear_readiness(ev);
        }
        res
    }

    /// Waits until the resource is ready for `interest`.
    pub(crate) fn readiness(&self, interest: Interest) -> Readiness<'_> {
        Readiness {
            handle: &self.handle,
            sched: &self.sched,
            fd: self.fd(),
            reg_key: self.key,
            reg_interest: self.interest,
            interest,
            key: None,
        }
    }

    /// Waits for readiness and runs `f` until it does not return `WouldBlock`.
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let ev = self.readiness(interest).await?;
            // The budget is spent by the operation, not by the wait (as in tokio): a task
            // that only checks `writable()` between `try_write`s is not forced to yield.
            let restore = std::future::poll_fn(coop::poll_proceed).await;
            match f(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_readiness(ev),
                res => {
                    restore.made_progress();
                    return res;
                }
            }
        }
    }
}

impl<E: AsFd> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            // Remove the fd from the poller before it is closed (when `io` drops).
            let _ = self.handle.shared().deregister(io.as_fd(), self.key);
        }
    }
}

impl<E: AsFd + std::fmt::Debug> std::fmt::Debug for PollEvented<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.io.fmt(f)
    }
}

/// Future of [`PollEvented::readiness`]: one entry in the waiter list while pending.
/// The future of [`PollEvented::readiness`]. It borrows the registration's parts, not the
/// I/O object, so it is `Send` whenever the object is (as tokio's: `AsyncFd::readable_mut`
/// of a `Send + !Sync` object is `Send`).
pub(crate) struct Readiness<'a> {
    handle: &'a Handle,
    sched: &'a ScheduledIo,
    fd: BorrowedFd<'a>,
    reg_key: usize,
    reg_interest: Interest,
    interest: Interest,
    key: Option<usize>,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match this.sched.poll_waiter(cx, this.interest, &mut this.key) {
            Poll::Ready(ev) if ev.is_shutdown => Poll::Ready(Err(Handle::shutdown_error())),
            Poll::Ready(ev) => Poll::Ready(Ok(ev)),
            Poll::Pending => {
                this.handle
                    .shared()
                    .rearm(this.fd, this.reg_key, this.reg_interest, this.sched);
                Poll::Pending
            }
        }
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.sched.remove_waiter(key);
        }
    }
}
