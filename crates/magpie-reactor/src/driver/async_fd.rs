//! [`AsyncFd`]: readiness for any file descriptor the user owns (a pipe, an eventfd, a
//! device), the building block for integrating foreign non-blocking I/O.
//!
//! The user does the I/O; `AsyncFd` only says when to try. A [`AsyncFdReadyGuard`] carries
//! the readiness the wait observed: when the operation returns `WouldBlock`, clear it
//! ([`clear_ready`](AsyncFdReadyGuard::clear_ready) or [`try_io`](AsyncFdReadyGuard::try_io))
//! so the next wait sleeps until the fd is ready again.

use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

use super::interest::Interest;
use super::poll_evented::PollEvented;
use super::ready::Ready;
use super::scheduled_io::{Direction, ReadyEvent};

/// Lends the user's `AsRawFd` object to the poller as a borrowed fd.
struct RawSource<T>(T);

impl<T: AsRawFd> AsFd for RawSource<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `AsyncFd`'s contract (as tokio's) is that the inner object keeps its fd
        // open for as long as it is inside the `AsyncFd`; the borrow is tied to `self`.
        unsafe { BorrowedFd::borrow_raw(self.0.as_raw_fd()) }
    }
}

/// Associates a file descriptor with the reactor, so tasks can wait for its readiness.
///
/// The fd must be in non-blocking mode, and must stay open while the `AsyncFd` lives.
///
/// ```no_run
/// use magpie_reactor::AsyncFd;
/// use std::io::Read;
/// # async fn run(pipe: std::fs::File) -> std::io::Result<()> {
/// // SAFETY: `pipe` owns its fd, which stays open while it is inside the `AsyncFd`.
/// let fd = unsafe { AsyncFd::register(pipe)? };
/// let mut buf = [0; 64];
/// let n = loop {
///     let mut guard = fd.readable().await?;
///     match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue,
///     }
/// };
/// # let _ = n;
/// # Ok(())
/// # }
/// ```
pub struct AsyncFd<T: AsRawFd> {
    io: PollEvented<RawSource<T>>,
}

/// Readiness observed by [`AsyncFd::readable`] and friends; see the module docs.
#[must_use = "clear the readiness with clear_ready or try_io, or the next wait returns at once"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// Like [`AsyncFdReadyGuard`], with mutable access to the inner object.
#[must_use = "clear the readiness with clear_ready or try_io, or the next wait returns at once"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

/// The operation passed to `try_io` returned `WouldBlock`; the readiness was cleared.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block; readiness was cleared")
    }
}

impl Error for TryIoError {}

/// Why [`AsyncFd::register`] (or [`register_with_interest`](AsyncFd::register_with_interest))
/// failed, with the object it was given, so a failed registration does not lose it.
pub struct AsyncFdRegisterError<T> {
    inner: T,
    cause: io::Error,
}

/// The old name of [`AsyncFdRegisterError`].
#[doc(hidden)]
#[deprecated(note = "use `AsyncFdRegisterError` instead")]
pub type AsyncFdTryNewError<T> = AsyncFdRegisterError<T>;

impl<T> AsyncFdRegisterError<T> {
    /// The object passed to `register`, and the error registering it.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.cause, f)
    }
}

impl<T> Error for AsyncFdRegisterError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdRegisterError<T>> for io::Error {
    fn from(e: AsyncFdRegisterError<T>) -> io::Error {
        e.cause
    }
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s file descriptor for readable and writable readiness.
    ///
    /// On failure the error hands `inner` back (`AsyncFdRegisterError::into_parts`).
    ///
    /// # Safety
    ///
    /// `inner.as_raw_fd()` must be a valid, open file descriptor, and must stay open and
    /// refer to the same open file description for as long as `inner` is inside the
    /// `AsyncFd` (until it is dropped, [`into_inner`](Self::into_inner) is called, or it is
    /// forgotten); every call to `inner.as_raw_fd()` meanwhile must return that same fd.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: the caller upholds `register_with_interest`'s contract, which is ours.
        unsafe { AsyncFd::register_with_interest(inner, Interest::READABLE | Interest::WRITABLE) }
    }

    /// Registers `inner`'s file descriptor for the readiness in `interest`.
    ///
    /// On failure the error hands `inner` back (`AsyncFdRegisterError::into_parts`).
    ///
    /// # Safety
    ///
    /// As for [`register`](Self::register): the fd must be valid, open and the same one for
    /// as long as `inner` is inside the `AsyncFd`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // Outside a runtime this panics first, whatever the fd.
        let handle = super::handle::Handle::current();
        // No negative number is an fd (and -1 cannot even be borrowed): refuse it the way
        // the poller refuses any other bad fd, handing the object back.
        if inner.as_raw_fd() < 0 {
            return Err(AsyncFdRegisterError {
                inner,
                cause: io::Error::from_raw_os_error(libc::EBADF),
            });
        }
        match PollEvented::try_new_with_handle(RawSource(inner), interest, handle) {
            Ok(io) => Ok(AsyncFd { io }),
            Err((RawSource(inner), cause)) => Err(AsyncFdRegisterError { inner, cause }),
        }
    }

    /// Registers `inner` for readable and writable readiness.
    ///
    /// Deprecated like tokio's: it is safe to call yet relies on the fd staying open, which
    /// the type system cannot promise; use [`register`](Self::register).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    #[deprecated(note = "unsound due to lack of I/O safety; use `AsyncFd::register` instead")]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        // SAFETY: not upheld by the type system: this is the deprecated, tokio-compatible
        // entry point whose caller is trusted to keep the fd open (see `register`).
        unsafe { Ok(AsyncFd::register(inner)?) }
    }

    /// Registers `inner` for the given interest.
    ///
    /// Deprecated like tokio's; use [`register_with_interest`](Self::register_with_interest).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without I/O.
    #[track_caller]
    #[deprecated(
        note = "unsound due to lack of I/O safety; use `AsyncFd::register_with_interest` instead"
    )]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        // SAFETY: as in `new`: the deprecated entry point trusts its caller.
        unsafe { Ok(AsyncFd::register_with_interest(inner, interest)?) }
    }

    /// Like [`new`](Self::new), but a failed registration hands `inner` back.
    ///
    /// Deprecated like tokio's; use [`register`](Self::register).
    #[track_caller]
    #[deprecated(note = "unsound due to lack of I/O safety; use `AsyncFd::register` instead")]
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: as in `new`: the deprecated entry point trusts its caller.
        unsafe { AsyncFd::register(inner) }
    }

    /// Like [`with_interest`](Self::with_interest), but a failed registration hands
    /// `inner` back.
    ///
    /// Deprecated like tokio's; use [`register_with_interest`](Self::register_with_interest).
    #[track_caller]
    #[deprecated(
        note = "unsound due to lack of I/O safety; use `AsyncFd::register_with_interest` instead"
    )]
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: as in `new`: the deprecated entry point trusts its caller.
        unsafe { AsyncFd::register_with_interest(inner, interest) }
    }

    /// The inner object.
    pub fn get_ref(&self) -> &T {
        &self.io.get_ref().0
    }

    /// The inner object, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.io.get_mut().0
    }

    /// Deregisters the fd and returns the inner object.
    pub fn into_inner(self) -> T {
        self.io.into_inner_lossy().0
    }

    fn guard(&self, ev: ReadyEvent) -> AsyncFdReadyGuard<'_, T> {
        AsyncFdReadyGuard {
            fd: self,
            event: Some(ev),
        }
    }

    /// Polls for read readiness (one waker slot for reads).
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let ev = ready!(self.io.poll_ready(cx, Direction::Read))?;
        Poll::Ready(Ok(self.guard(ev)))
    }

    /// Polls for write readiness (one waker slot for writes).
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let ev = ready!(self.io.poll_ready(cx, Direction::Write))?;
        Poll::Ready(Ok(self.guard(ev)))
    }

    /// Polls for read readiness, with mutable access to the inner object.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let ev = ready!(self.io.poll_ready(cx, Direction::Read))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard {
            fd: self,
            event: Some(ev),
        }))
    }

    /// Polls for write readiness, with mutable access to the inner object.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let ev = ready!(self.io.poll_ready(cx, Direction::Write))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard {
            fd: self,
            event: Some(ev),
        }))
    }

    /// Waits for any of `interest`. Cancel safe.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let ev = self.io.readiness(interest).await?;
        Ok(self.guard(ev))
    }

    /// Waits for any of `interest`, with mutable access to the inner object. Cancel safe.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let ev = self.io.readiness(interest).await?;
        Ok(AsyncFdReadyMutGuard {
            fd: self,
            event: Some(ev),
        })
    }

    /// Waits until the fd may be readable. Cancel safe.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// Waits until the fd may be readable, with mutable access. Cancel safe.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the fd may be writable. Cancel safe.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// Waits until the fd may be writable, with mutable access. Cancel safe.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits for `interest` and runs `f` until it does not return `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io(interest, |s| f(&s.0)).await
    }

    /// Like [`async_io`](AsyncFd::async_io), with mutable access to the inner object.
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let ev = self.io.readiness(interest).await?;
            // As in `PollEvented::async_io`: the operation, not the wait, spends budget.
            let restore = std::future::poll_fn(magpie_sched::coop::poll_proceed).await;
            match f(&mut self.io.get_mut().0) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.io.clear_readiness(ev),
                res => {
                    restore.made_progress();
                    return res;
                }
            }
        }
    }

    /// Runs `f` once if the fd looks ready for `interest` (a single direction); returns
    /// `WouldBlock` without calling it otherwise.
    ///
    /// `f` should do one non-blocking operation on the fd and return `WouldBlock` only when
    /// that operation did: the readiness is then cleared, so the next wait sleeps until the
    /// fd is ready again.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(interest, |s| f(&s.0))
    }

    /// Like [`try_io`](AsyncFd::try_io), with mutable access to the inner object.
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io_mut(interest, |s| f(&mut s.0))
    }
}

fn clear_matching(fd_io: &PollEvented<impl AsFd>, event: &mut Option<ReadyEvent>, ready: Ready) {
    if let Some(ev) = event {
        let mut part = *ev;
        part.ready = ev.ready & ready;
        fd_io.clear_readiness(part);
        ev.ready = ev.ready - ready;
        if ev.ready.is_empty() {
            *event = None;
        }
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// Clears the observed readiness, so the next wait sleeps until a new event.
    pub fn clear_ready(&mut self) {
        if let Some(ev) = self.event.take() {
            self.fd.io.clear_readiness(ev);
        }
    }

    /// Clears only the part of the observed readiness in `ready`.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(&self.fd.io, &mut self.event, ready)
    }

    /// Keeps the readiness: the next wait returns at once.
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// The readiness this guard observed.
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |ev| ev.ready)
    }

    /// Runs `f`; on `WouldBlock` clears the readiness and returns `Err(TryIoError)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let res = f(self.fd);
        match res {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            res => Ok(res),
        }
    }

    /// The `AsyncFd` this guard belongs to.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The inner object.
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<T: AsRawFd> AsyncFdReadyMutGuard<'_, T> {
    /// Clears the observed readiness, so the next wait sleeps until a new event.
    pub fn clear_ready(&mut self) {
        if let Some(ev) = self.event.take() {
            self.fd.io.clear_readiness(ev);
        }
    }

    /// Clears only the part of the observed readiness in `ready`.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(&self.fd.io, &mut self.event, ready)
    }

    /// Keeps the readiness: the next wait returns at once.
    pub fn retain_ready(&mut self) {
        self.event = None;
    }

    /// The readiness this guard observed.
    pub fn ready(&self) -> Ready {
        self.event.map_or(Ready::EMPTY, |ev| ev.ready)
    }

    /// Runs `f`; on `WouldBlock` clears the readiness and returns `Err(TryIoError)`.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        let res = f(self.fd);
        match res {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            res => Ok(res),
        }
    }

    /// The `AsyncFd` this guard belongs to.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.fd
    }

    /// The `AsyncFd` this guard belongs to, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.fd
    }

    /// The inner object.
    pub fn get_inner(&self) -> &T {
        self.fd.get_ref()
    }

    /// The inner object, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.fd.get_mut()
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", self.get_ref())
            .finish()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadyGuard")
            .field("async_fd", self.fd)
            .finish()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutReadyGuard")
            .field("async_fd", &*self.fd)
            .finish()
    }
}
