//! Reading bytes into a `String` without ever letting it hold invalid UTF-8.
//!
//! [`read_to_string`](super::AsyncReadExt::read_to_string) and
//! [`read_line`](super::AsyncBufReadExt::read_line) take the caller's string's bytes out while
//! they read, validate only the newly read bytes at the end, and put the bytes back. If the
//! future is dropped early, or the new bytes are not UTF-8, the string gets its original
//! contents back, so it is never left holding garbage and never loses what it had.

use std::io;
use std::mem;

/// The caller's string, taken apart into bytes for the duration of a read.
#[derive(Debug)]
pub(crate) struct StringBuf<'a> {
    output: &'a mut String,
    bytes: Vec<u8>,
    /// Length of the original contents: these bytes are known to be UTF-8.
    original_len: usize,
    /// How many bytes the string keeps when this is dropped: `original_len` until a read
    /// completes with valid UTF-8.
    keep: usize,
}

impl<'a> StringBuf<'a> {
    pub(crate) fn new(output: &'a mut String) -> StringBuf<'a> {
        let bytes = mem::take(output).into_bytes();
        let original_len = bytes.len();
        StringBuf {
            output,
            bytes,
            original_len,
            keep: original_len,
        }
    }

    /// The byte buffer to append newly read data to.
    pub(crate) fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Ends the read: decides what the string keeps and what the future returns.
    ///
    /// On success with valid UTF-8 everything is kept and the byte count returned. Invalid
    /// UTF-8 restores the original contents and returns `InvalidData`, whose inner error is
    /// the [`Utf8Error`](std::str::Utf8Error) of the whole string (original contents
    /// included, as `valid_up_to` counts from the string's start). An I/O error keeps the
    /// bytes read so far only if they are valid UTF-8 and `keep_on_io_error`, as tokio's
    /// `read_line` does (while its `read_to_string` drops them).
    pub(crate) fn finish(
        mut self,
        res: io::Result<usize>,
        keep_on_io_error: bool,
    ) -> io::Result<usize> {
        let new = std::str::from_utf8(&self.bytes[self.original_len..]);
        match res {
            Ok(n) if new.is_ok() => {
                self.keep = self.bytes.len();
                Ok(n)
            }
            Ok(_) => Err(self.invalid_utf8()),
            Err(e) => {
                if new.is_ok() && keep_on_io_error {
                    self.keep = self.bytes.len();
                }
                Err(e)
            }
        }
    }

    /// The `InvalidData` error for bytes whose new part failed to validate.
    fn invalid_utf8(&self) -> io::Error {
        // The original contents are UTF-8 and end on a char boundary, so the whole buffer
        // fails where its new part does; validating it all gives the error tokio reports.
        match std::str::from_utf8(&self.bytes) {
            Err(e) => io::Error::new(io::ErrorKind::InvalidData, e),
            Ok(_) => unreachable!("the new bytes were checked to be invalid UTF-8"),
        }
    }
}

impl Drop for StringBuf<'_> {
    fn drop(&mut self) {
        let mut bytes = mem::take(&mut self.bytes);
        bytes.truncate(self.keep);
        // SAFETY: `bytes[..original_len]` came out of a `String`, and `keep` only grows past
        // `original_len` in `finish` after `bytes[original_len..]` was checked to be UTF-8
        // (a concatenation of two UTF-8 strings is UTF-8). Truncating to `original_len` cuts
        // at the old end of a string, which is a char boundary.
        *self.output = unsafe { String::from_utf8_unchecked(bytes) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_keeps_all() {
        let mut s = String::from("ab");
        let mut b = StringBuf::new(&mut s);
        b.bytes_mut().extend_from_slice("cé".as_bytes());
        assert_eq!(b.finish(Ok(3), false).unwrap(), 3);
        assert_eq!(s, "abcé");
    }

    #[test]
    fn invalid_restores_original() {
        let mut s = String::from("ab");
        let mut b = StringBuf::new(&mut s);
        b.bytes_mut().extend_from_slice(&[0xff, b'x']);
        let e = b.finish(Ok(2), true).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let utf8 = e.into_inner().unwrap();
        let utf8 = utf8.downcast::<std::str::Utf8Error>().unwrap();
        assert_eq!(utf8.valid_up_to(), 2, "counted from the string's start");
        assert_eq!(s, "ab");
    }

    #[test]
    fn io_error_keeps_or_drops() {
        let mut s = String::from("a");
        let mut b = StringBuf::new(&mut s);
        b.bytes_mut().push(b'b');
        b.finish(Err(io::ErrorKind::Other.into()), true)
            .unwrap_err();
        assert_eq!(s, "ab");
        let mut b = StringBuf::new(&mut s);
        b.bytes_mut().push(b'c');
        b.finish(Err(io::ErrorKind::Other.into()), false)
            .unwrap_err();
        assert_eq!(s, "ab");
    }

    #[test]
    fn drop_without_finish_restores() {
        let mut s = String::from("keep");
        {
            let mut b = StringBuf::new(&mut s);
            b.bytes_mut().extend_from_slice(b"lost");
        }
        assert_eq!(s, "keep");
    }

    #[test]
    fn leak_leaves_string_empty_not_invalid() {
        let mut s = String::from("x");
        let mut b = StringBuf::new(&mut s);
        b.bytes_mut().push(0xff);
        mem::forget(b);
        assert_eq!(s, "");
    }
}
