//! The [`Reactor`]: the I/O driver that blocks in the OS poller and turns its events into
//! task wake-ups.
//!
//! Registrations live in a slab behind one lock. An event's key is the registration's slab
//! index with a generation in the high bits; a slot freed and reused gets a new generation,
//! so an event that was already in flight for the old socket finds a different key and is
//! ignored instead of waking the new one. Sockets are registered edge-triggered where the
//! platform allows, so a ready socket costs no syscall until it stops being ready;
//! elsewhere they are registered oneshot and re-armed each time a task starts waiting
//! (see `selector` for the OS side).

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use magpie_sched::park::{Park, Unpark};
use slab::Slab;

use super::handle::Handle;
use super::interest::Interest;
use super::scheduled_io::ScheduledIo;
use super::selector::{Events, Selector};
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::loom::sync::Mutex;

/// Bits of an event key that hold the slab index; the rest hold the generation.
const INDEX_BITS: u32 = 24;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
/// Generations wrap below the top bit, so no key ever equals the selector's notify key.
const GENERATION_MASK: usize = usize::MAX >> (INDEX_BITS + 1);

/// State shared by the reactor and every [`Handle`] to it.
pub(crate) struct Shared {
    selector: Selector,
    registrations: Mutex<Registrations>,
    /// Set (under the registrations lock) once the reactor shut down.
    is_shutdown: AtomicBool,
    /// `IDLE`, `PARKED` (blocked in the poller) or `NOTIFIED` (an unpark is pending):
    /// unparking a reactor that is not blocked costs no syscall.
    park_state: AtomicUsize,
}

const IDLE: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

struct Registrations {
    slab: Slab<Entry>,
    generation: usize,
    shut_down: bool,
}

struct Entry {
    key: usize,
    io: Arc<ScheduledIo>,
    /// Needed to re-arm oneshot registrations from the reactor; only used while the entry
    /// is in the slab, which its owner leaves (under the lock) before closing the fd.
    fd: RawFd,
    interest: Interest,
}

/// A registered resource's identity in the reactor.
pub(crate) struct Token {
    pub(crate) key: usize,
    pub(crate) io: Arc<ScheduledIo>,
}

impl Shared {
    pub(crate) fn register(&self, fd: BorrowedFd<'_>, interest: Interest) -> io::Result<Token> {
        let io = Arc::new(ScheduledIo::new());
        let key = {
            let mut regs = self.registrations.lock();
            if regs.shut_down {
                return Err(super::shutdown::shutdown_error());
            }
            regs.generation = (regs.generation + 1) & GENERATION_MASK;
            let generation = regs.generation;
            let entry = regs.slab.vacant_entry();
            let index = entry.key();
            if index > INDEX_MASK {
                return Err(io::Error::other(
                    "reactor at capacity: too many registered I/O resources",
                ));
            }
            let key = index | (generation << INDEX_BITS);
            entry.insert(Entry {
                key,
                io: io.clone(),
                fd: fd.as_raw_fd(),
                interest,
            });
            key
        };
        // SAFETY: the caller's `PollEvented` owns the fd and deletes it from the selector
        // in `deregister` before it closes the fd.
        let added = unsafe { self.selector.add(fd.as_raw_fd(), key, interest) };
        if let Err(e) = added {
            self.remove(key);
            return Err(e);
        }
        Ok(Token { key, io })
    }

    /// Re-arms a oneshot registration for the directions not already ready (no-op in
    /// edge-triggered mode). A direction already ready needs no event: its waiter will
    /// find the bits, and re-arming it would only report them again.
    pub(crate) fn rearm(
        &self,
        fd: BorrowedFd<'_>,
        key: usize,
        interest: Interest,
        io: &ScheduledIo,
    ) {
        if !self.selector.needs_rearm() {
            return;
        }
        if let Some(missing) = missing_interest(interest, io) {
            self.selector.rearm(fd, key, missing);
        }
    }

    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>, key: usize) -> io::Result<()> {
        let res = self.selector.delete(fd);
        self.remove(key);
        res
    }

    fn remove(&self, key: usize) {
        let mut regs = self.registrations.lock();
        let index = key & INDEX_MASK;
        if regs.slab.get(index).is_some_and(|e| e.key == key) {
            regs.slab.remove(index);
        }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.is_shutdown.load(Ordering::Acquire)
    }

    fn unpark(&self) {
        if self.park_state.swap(NOTIFIED, Ordering::AcqRel) == PARKED {
            self.notify();
        }
    }

    fn notify(&self) {
        // A failed notify means the eventfd is broken; a wake-up then comes from the next
        // event or timeout instead, which is the best that can be done.
        let _ = self.selector.notify();
    }

    /// Whether a short read may clear readable readiness (see `Selector`).
    pub(crate) fn short_io_clears(&self) -> bool {
        self.selector.reports_read_closed()
    }
}

/// The part of `interest` whose readiness is not currently set.
fn missing_interest(interest: Interest, io: &ScheduledIo) -> Option<Interest> {
    let mut missing: Option<Interest> = None;
    for part in [
        Interest::READABLE,
        Interest::WRITABLE,
        Interest::PRIORITY,
        Interest::ERROR,
    ] {
        if interest.contains(part) && io.ready_now(part).ready.is_empty() {
            missing = Some(missing.map_or(part, |m| m | part));
        }
    }
    missing
}

/// The I/O driver: owns the OS poller's event buffer and dispatches its events.
///
/// One thread at a time blocks in it through [`Park`]; any number of threads register
/// sockets through its [`Handle`].
///
/// ```
/// use magpie_reactor::Reactor;
/// use magpie_sched::park::Park;
/// let mut reactor = Reactor::new().unwrap();
/// let _guard = reactor.handle().enter();
/// // ... create sockets, poll futures ...
/// reactor.park_timeout(std::time::Duration::ZERO);
/// ```
pub struct Reactor {
    shared: Arc<Shared>,
    events: Events,
    wake: Vec<Waker>,
}

impl Reactor {
    /// Creates a reactor on a new OS poller.
    pub fn new() -> io::Result<Reactor> {
        Reactor::with_selector(Selector::new()?)
    }

    /// Creates a reactor on the portable `polling` backend even where a native one exists
    /// (to compare backends, or to sidestep a problem in the native one).
    pub fn with_polling_backend() -> io::Result<Reactor> {
        Reactor::with_selector(Selector::with_polling(None)?)
    }

    pub(crate) fn with_selector(selector: Selector) -> io::Result<Reactor> {
        let events = selector.events();
        Ok(Reactor {
            shared: Arc::new(Shared {
                selector,
                registrations: Mutex::new(Registrations {
                    slab: Slab::new(),
                    generation: 0,
                    shut_down: false,
                }),
                is_shutdown: AtomicBool::new(false),
                park_state: AtomicUsize::new(IDLE),
            }),
            events,
            wake: Vec::new(),
        })
    }

    /// A handle to register sockets with this reactor.
    pub fn handle(&self) -> Handle {
        Handle::from_shared(self.shared.clone())
    }

    fn turn(&mut self, timeout: Option<Duration>) {
        let state = &self.shared.park_state;
        // A pending unpark turns this park into a non-blocking poll of the events.
        let timeout =
            match state.compare_exchange(IDLE, PARKED, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => timeout,
                Err(_) => Some(Duration::ZERO),
            };
        let waited = self.shared.selector.wait(&mut self.events, timeout);
        // Consumes a pending unpark too. One that saw `PARKED` after the wait returned
        // leaves a stale notification: the next park returns early, which is allowed.
        state.store(IDLE, Ordering::Release);
        match waited {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return,
            Err(e) => panic!("the OS poller failed: {e}"),
        }
        {
            let regs = self.shared.registrations.lock();
            let rearm = self.shared.selector.needs_rearm();
            for &(key, ready) in &self.events.ready {
                match regs.slab.get(key & INDEX_MASK) {
                    Some(entry) if entry.key == key => {
                        entry.io.dispatch(ready, &mut self.wake);
                        if rearm {
                            // SAFETY: the entry is in the slab and we hold its lock, so
                            // its owner has not closed the fd yet (see `Entry::fd`).
                            let fd = unsafe { BorrowedFd::borrow_raw(entry.fd) };
                            self.shared.rearm(fd, entry.key, entry.interest, &entry.io);
                        }
                    }
                    // A stale event for a deregistered (maybe reused) slot.
                    _ => {}
                }
            }
        }
        for waker in self.wake.drain(..) {
            waker.wake();
        }
    }

    fn shutdown_now(&mut self) {
        let entries: Vec<Entry> = {
            let mut regs = self.shared.registrations.lock();
            if regs.shut_down {
                return;
            }
            regs.shut_down = true;
            self.shared.is_shutdown.store(true, Ordering::Release);
            regs.slab.drain().collect()
        };
        for entry in &entries {
            entry.io.shutdown(&mut self.wake);
        }
        for waker in self.wake.drain(..) {
            waker.wake();
        }
    }
}

impl Park for Reactor {
    type Unpark = ReactorUnpark;

    fn unpark(&self) -> ReactorUnpark {
        ReactorUnpark {
            shared: self.shared.clone(),
        }
    }

    fn park(&mut self) {
        self.turn(None)
    }

    fn park_timeout(&mut self, duration: Duration) {
        self.turn(Some(duration))
    }

    fn shutdown(&mut self) {
        self.shutdown_now()
    }
}

impl Drop for Reactor {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("selector", &self.shared.selector.name())
            .finish_non_exhaustive()
    }
}

/// Wakes a thread blocked in a [`Reactor`] (through the poller's notification).
#[derive(Clone)]
pub struct ReactorUnpark {
    shared: Arc<Shared>,
}

impl Unpark for ReactorUnpark {
    fn unpark(&self) {
        self.shared.unpark()
    }
}

impl fmt::Debug for ReactorUnpark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReactorUnpark").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn keys_never_collide_with_notify_key() {
        assert_ne!(INDEX_MASK | (GENERATION_MASK << INDEX_BITS), usize::MAX);
    }

    /// Every backend (the `polling` one in oneshot and edge mode, and the default): a
    /// reader and a writer wait on one socket while a large echo flows through it.
    #[test]
    fn every_backend_echoes_with_concurrent_reader_and_writer() {
        for mode in [polling::PollMode::Oneshot, polling::PollMode::Edge] {
            let selector = Selector::with_polling(Some(mode)).unwrap();
            let mut reactor = Reactor::with_selector(selector).unwrap();
            echo_on(&mut reactor);
        }
        let mut reactor = Reactor::new().unwrap();
        echo_on(&mut reactor);
    }

    fn echo_on(reactor: &mut Reactor) {
        use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
        use crate::net::{TcpListener, TcpStream};
        use std::future::poll_fn;
        use std::pin::Pin;

        super::super::test_exec::block_on(reactor, async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let total = 2_000_000usize;
            let (mut cr, mut cw) = client.into_split();
            let (mut sr, mut sw) = server.into_split();
            let echo = async move {
                let mut buf = vec![0u8; 32 * 1024];
                loop {
                    let mut rb = ReadBuf::new(&mut buf);
                    poll_fn(|cx| Pin::new(&mut sr).poll_read(cx, &mut rb))
                        .await
                        .unwrap();
                    let n = rb.filled().len();
                    if n == 0 {
                        break;
                    }
                    let mut off = 0;
                    while off < n {
                        off += poll_fn(|cx| Pin::new(&mut sw).poll_write(cx, &buf[off..n]))
                            .await
                            .unwrap();
                    }
                }
            };
            let writer = async move {
                let chunk = vec![5u8; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    let n = (total - sent).min(chunk.len());
                    sent += poll_fn(|cx| Pin::new(&mut cw).poll_write(cx, &chunk[..n]))
                        .await
                        .unwrap();
                }
                drop(cw);
            };
            let reader = async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut got = 0;
                loop {
                    let mut rb = ReadBuf::new(&mut buf);
                    poll_fn(|cx| Pin::new(&mut cr).poll_read(cx, &mut rb))
                        .await
                        .unwrap();
                    if rb.filled().is_empty() {
                        return got;
                    }
                    assert!(rb.filled().iter().all(|&b| b == 5));
                    got += rb.filled().len();
                }
            };
            let ((), (), got) = super::super::test_exec::join3(echo, writer, reader).await;
            assert_eq!(got, total);
        });
    }

    #[test]
    fn huge_and_zero_timeouts() {
        let mut r = Reactor::new().unwrap();
        r.park_timeout(Duration::ZERO);
        r.unpark().unpark();
        r.park_timeout(Duration::MAX);
        r.park_timeout(Duration::from_millis(1));
    }

    #[test]
    fn unpark_from_another_thread_while_parked() {
        let mut r = Reactor::new().unwrap();
        for _ in 0..100 {
            let u = r.unpark();
            let t = std::thread::spawn(move || u.unpark());
            r.park();
            t.join().unwrap();
        }
    }

    #[test]
    fn unpark_before_park_returns() {
        let mut r = Reactor::new().unwrap();
        r.unpark().unpark();
        r.park();
    }

    #[test]
    fn register_after_shutdown_fails() {
        let mut r = Reactor::new().unwrap();
        let h = r.handle();
        r.shutdown();
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let err = h
            .shared()
            .register(std::os::fd::AsFd::as_fd(&sock), Interest::READABLE)
            .err()
            .unwrap();
        assert!(super::super::shutdown::is_rt_shutdown_err(&err), "{err}");
    }
}
