//! [`repeat`]: a reader that yields one byte forever.

use crate::io::empty::poll_budget;
use crate::io::{AsyncRead, ReadBuf};
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// An async reader which yields one byte over and over and over and over and over and...
///
/// This struct is generally created by calling [`repeat`]. Please see the documentation of
/// `repeat()` for more details.
#[derive(Debug, Clone, Copy)]
pub struct Repeat {
    byte: u8,
}

/// Creates an instance of an async reader that infinitely repeats one byte.
///
/// All reads from this reader will succeed by filling the specified buffer with the given
/// byte. Each read spends a unit of the task's coop budget.
///
/// # Examples
///
/// ```
/// use magpie_reactor::io::{self, AsyncReadExt};
///
/// # futures::executor::block_on(async {
/// let mut buffer = [0; 3];
/// io::repeat(0b101).read_exact(&mut buffer).await?;
/// assert_eq!(buffer, [0b101, 0b101, 0b101]);
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(poll_budget(cx));
        // SAFETY: only initialised bytes are written (no de-initialisation).
        let unfilled = unsafe { buf.unfilled_mut() };
        let n = unfilled.len();
        // One memset, without zeroing uninitialised memory first.
        unfilled.fill(MaybeUninit::new(self.byte));
        // SAFETY: all `n` unfilled bytes were just written.
        unsafe { buf.assume_init(n) };
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}
