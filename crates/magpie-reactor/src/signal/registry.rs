//! The process-wide part of signal handling: one handler per signal number, installed the
//! first time anything listens for it, and one thread that turns deliveries into wake-ups.
//!
//! A signal handler may do almost nothing (only async-signal-safe calls): ours marks the
//! signal pending in a static flag and writes a byte to a socket pair. The dispatcher
//! thread, started with the first listener, blocks reading the other end; each byte makes
//! it deliver every pending signal to its [`Slot`], which wakes the listeners. The thread
//! belongs to no runtime, so listeners on any number of runtimes (or none, once created)
//! see the same deliveries, and no runtime has to poll for them.
//!
//! As with tokio, installing a handler replaces the signal's default action for the rest of
//! the process: after `ctrl_c()`, Ctrl-C no longer ends the program by itself.

use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::raw::c_int;
use std::os::unix::net::UnixStream;

use super::slot::Slot;
use crate::loom::global::{AtomicBool, AtomicI32, Mutex, OnceLock, Ordering};

/// Signal numbers 0..SIGNALS have a slot (Linux's real-time signals end at 64).
const SIGNALS: usize = 65;

/// Signals whose handlers would break the program (or cannot be caught at all).
const FORBIDDEN: [c_int; 5] = [
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGKILL,
    libc::SIGSEGV,
    libc::SIGSTOP,
];

/// Set by the handler, taken by the dispatcher.
static PENDING: [AtomicBool; SIGNALS] = [const { AtomicBool::new(false) }; SIGNALS];
/// The socket the handler writes to (-1 until the dispatcher exists).
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

struct Globals {
    slots: Box<[Slot]>,
    /// Per signal: whether its handler is installed (taken under this lock, so two threads
    /// registering one signal at once install it once).
    installed: Mutex<[bool; SIGNALS]>,
    /// The write end, kept open for the life of the process.
    _writer: UnixStream,
}

static GLOBALS: OnceLock<io::Result<Globals>> = OnceLock::new();

fn globals() -> io::Result<&'static Globals> {
    let globals = GLOBALS.get_or_init(|| {
        let (reader, writer) = UnixStream::pair()?;
        // The handler must never block; the dispatcher does, on purpose.
        writer.set_nonblocking(true)?;
        std::thread::Builder::new()
            .name("magpie-signal".into())
            .spawn(move || dispatch(reader))?;
        WAKE_FD.store(writer.as_raw_fd(), Ordering::Release);
        Ok(Globals {
            slots: (0..SIGNALS).map(|_| Slot::new()).collect(),
            installed: Mutex::new([false; SIGNALS]),
            _writer: writer,
        })
    });
    match globals {
        Ok(globals) => Ok(globals),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("failed to set up signal handling: {e}"),
        )),
    }
}

/// The dispatcher thread: every byte read means "some signal is pending".
fn dispatch(mut reader: UnixStream) {
    let mut buf = [0u8; 128];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
        // A byte comes only from a handler, installed after the globals were set up.
        let Some(Ok(globals)) = GLOBALS.get() else {
            continue;
        };
        for (signum, pending) in PENDING.iter().enumerate() {
            if pending.swap(false, Ordering::AcqRel) {
                globals.slots[signum].deliver();
            }
        }
    }
}

/// The slot of `signum`, with its handler installed.
pub(super) fn register(signum: c_int) -> io::Result<&'static Slot> {
    if signum <= 0 || FORBIDDEN.contains(&signum) {
        return Err(io::Error::other(format!(
            "Refusing to register signal {signum}"
        )));
    }
    let index = signum as usize;
    if index >= SIGNALS {
        return Err(io::Error::other("signal too large"));
    }
    let globals = globals()?;
    let mut installed = globals
        .installed
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !installed[index] {
        install(signum)?;
        installed[index] = true;
    }
    Ok(&globals.slots[index])
}

fn install(signum: c_int) -> io::Result<()> {
    // SAFETY: an all-zero `sigaction` is a valid starting value (no flags, empty mask
    // filled in below, handler set below).
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_signal as extern "C" fn(c_int) as libc::sighandler_t;
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: `sa_mask` is a valid, writable `sigset_t` inside `action`.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: `action` is fully initialised and outlives the call; the old action is not
    // asked for (null). `on_signal` only does async-signal-safe work.
    if unsafe { libc::sigaction(signum, &action, std::ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The handler: async-signal-safe only (atomics and `write`), and it keeps `errno`.
extern "C" fn on_signal(signum: c_int) {
    let saved = errno::get();
    if let Some(pending) = PENDING.get(signum as usize) {
        pending.store(true, Ordering::Release);
    }
    let fd = WAKE_FD.load(Ordering::Acquire);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `fd` is the write end of the socket pair, which stays open for the life of
        // the process; the buffer is one live byte. A full socket (EAGAIN) is fine: a byte
        // is already waiting and the pending flag carries which signal came.
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
    errno::set(saved);
}

mod errno {
    #[cfg(any(target_os = "openbsd", target_os = "netbsd"))]
    use libc::__errno as location;
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "emscripten"))]
    use libc::__errno_location as location;
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "dragonfly"
    ))]
    use libc::__error as location;

    pub(super) fn get() -> libc::c_int {
        // SAFETY: the errno location is the calling thread's own, always valid.
        unsafe { *location() }
    }

    pub(super) fn set(value: libc::c_int) {
        // SAFETY: as in `get`.
        unsafe { *location() = value }
    }
}
