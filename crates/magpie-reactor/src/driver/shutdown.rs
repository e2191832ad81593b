//! The error every operation on a resource returns once its runtime has shut down, and
//! [`is_rt_shutdown_err`], the predicate that recognises it.
//!
//! The message is tokio's, word for word: code written for tokio that compares it, or calls
//! `tokio::runtime::is_rt_shutdown_err`, must see the same thing on Magpie.

use std::io;

/// The text of the shutdown error (tokio's).
pub(crate) const SHUTDOWN_MSG: &str = "A Tokio 1.x context was found, but it is being shutdown.";

/// A fresh shutdown error: kind `Other`, carrying [`SHUTDOWN_MSG`] and no source.
pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(SHUTDOWN_MSG)
}

/// Whether `err` is the error an I/O resource returns because its runtime has shut down
/// (for example a listener whose runtime was dropped, accepting on another runtime).
///
/// Only that exact error matches: kind `Other`, no source, and exactly the shutdown
/// message. An error whose message merely contains it, or any other kind, does not.
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    if err.kind() != io::ErrorKind::Other {
        return false;
    }
    match err.get_ref() {
        Some(inner) => inner.source().is_none() && displays_as(inner, SHUTDOWN_MSG),
        None => false,
    }
}

/// Whether `value` displays exactly as `expected`, compared piece by piece as it is
/// written, without building the string.
fn displays_as(value: &dyn std::fmt::Display, expected: &str) -> bool {
    struct Compare<'a> {
        rest: &'a str,
        equal: bool,
    }
    impl std::fmt::Write for Compare<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            match self.rest.strip_prefix(s) {
                Some(rest) if self.equal => self.rest = rest,
                _ => self.equal = false,
            }
            Ok(())
        }
    }
    let mut cmp = Compare {
        rest: expected,
        equal: true,
    };
    use std::fmt::Write;
    let _ = write!(cmp, "{value}");
    cmp.equal && cmp.rest.is_empty()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_shutdown_error_matches() {
        assert!(is_rt_shutdown_err(&shutdown_error()));
        assert!(!is_rt_shutdown_err(&io::Error::other("some other error")));
        assert!(!is_rt_shutdown_err(&io::Error::new(
            io::ErrorKind::NotFound,
            SHUTDOWN_MSG
        )));
        assert!(!is_rt_shutdown_err(&io::Error::from(io::ErrorKind::Other)));
        assert!(!is_rt_shutdown_err(&io::Error::other(format!(
            "{SHUTDOWN_MSG} (extra)"
        ))));
        assert!(!is_rt_shutdown_err(&io::Error::other(format!(
            "Error: {SHUTDOWN_MSG}"
        ))));
        // Truncated: a prefix of the message is not the message.
        assert!(!is_rt_shutdown_err(&io::Error::other(
            &SHUTDOWN_MSG[..SHUTDOWN_MSG.len() - 1]
        )));
        // Same text but wrapped with a source: not the runtime's error.
        #[derive(Debug)]
        struct Wrapped(io::Error);
        impl std::fmt::Display for Wrapped {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(SHUTDOWN_MSG)
            }
        }
        impl std::error::Error for Wrapped {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped = io::Error::other(Wrapped(io::Error::other("cause")));
        assert!(!is_rt_shutdown_err(&wrapped));
    }

    #[test]
    fn displays_as_compares_whole_text_across_pieces() {
        struct Pieces;
        impl std::fmt::Display for Pieces {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("ab")?;
                f.write_str("cd")
            }
        }
        assert!(displays_as(&Pieces, "abcd"));
        assert!(!displays_as(&Pieces, "abc"));
        assert!(!displays_as(&Pieces, "abcde"));
        assert!(!displays_as(&Pieces, "abXd"));
    }
}
