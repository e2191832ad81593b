//! Time error types.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// A timer error, as tokio's `time::error::Error`: what a timer operation can fail with.
///
/// Magpie's timers report a shut-down driver by panicking, as tokio's do, so nothing in
/// magpie returns this today; it exists so code that names or builds tokio's error compiles
/// and behaves the same.
///
/// ```
/// use magpie_timer::error::Error;
///
/// let err = Error::shutdown();
/// assert!(err.is_shutdown() && !err.is_at_capacity() && !err.is_invalid());
/// assert!(err.to_string().contains("shut"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Error(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shutdown,
    AtCapacity,
    Invalid,
}

impl Error {
    /// The error of a timer whose driver has shut down.
    pub fn shutdown() -> Error {
        Error(Kind::Shutdown)
    }

    /// Whether the timer's driver had shut down.
    pub fn is_shutdown(&self) -> bool {
        self.0 == Kind::Shutdown
    }

    /// The error of a timer that could not be registered: the driver is full.
    pub fn at_capacity() -> Error {
        Error(Kind::AtCapacity)
    }

    /// Whether the driver was full.
    pub fn is_at_capacity(&self) -> bool {
        self.0 == Kind::AtCapacity
    }

    /// The error of a timer whose duration is beyond what the driver can represent.
    pub fn invalid() -> Error {
        Error(Kind::Invalid)
    }

    /// Whether the duration was out of range.
    pub fn is_invalid(&self) -> bool {
        self.0 == Kind::Invalid
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Kind::Shutdown => {
                "the timer is shutdown, must be called from the context of Tokio runtime"
            }
            Kind::AtCapacity => "the timer is at capacity and cannot register a new entry",
            Kind::Invalid => "the timer duration exceeds the maximum duration",
        })
    }
}

impl StdError for Error {}

/// Returned by [`Timeout`](crate::Timeout) when its deadline elapses before the inner
/// future completes.
#[derive(Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl StdError for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}
