//! [`AsyncSeekExt`]: `seek`, `rewind` and `stream_position` for every [`AsyncSeek`].

use super::AsyncSeek;
use std::future::Future;
use std::io::{self, SeekFrom};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Future for the [`seek`](AsyncSeekExt::seek) method.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Seek<'a, S: ?Sized> {
    seek: &'a mut S,
    // `Some` until the seek has been started.
    pos: Option<SeekFrom>,
    // Makes the future `!Unpin`, as tokio's are.
    _pin: PhantomPinned,
}

impl<S: AsyncSeek + ?Sized + Unpin> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        if let Some(pos) = me.pos {
            // Let a seek somebody else started finish before starting ours.
            ready!(Pin::new(&mut *me.seek).poll_complete(cx))?;
            Pin::new(&mut *me.seek).start_seek(pos)?;
            me.pos = None;
        }
        Pin::new(&mut *me.seek).poll_complete(cx)
    }
}

/// An extension trait that adds utility methods to [`AsyncSeek`] types.
///
/// ```
/// use magpie_reactor::io::{AsyncReadExt, AsyncSeekExt};
/// use std::io::{Cursor, SeekFrom};
///
/// # futures::executor::block_on(async {
/// let mut cursor = Cursor::new(b"abcdefg".to_vec());
/// assert_eq!(cursor.seek(SeekFrom::Start(4)).await?, 4);
/// assert_eq!(cursor.read_u8().await?, b'e');
/// assert_eq!(cursor.stream_position().await?, 5);
/// cursor.rewind().await?;
/// assert_eq!(cursor.read_u8().await?, b'a');
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Creates a future which will seek an IO object, and then yield the new position in the
    /// object and the object itself.
    ///
    /// Equivalent to `async fn seek(&mut self, pos: SeekFrom) -> io::Result<u64>`.
    ///
    /// In the case of an error the buffer and the object will be discarded, with the error
    /// yielded.
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek {
            seek: self,
            pos: Some(pos),
            _pin: PhantomPinned,
        }
    }

    /// Creates a future which will rewind to the beginning of the stream.
    ///
    /// This is a convenience method, equivalent to `self.seek(SeekFrom::Start(0))`.
    fn rewind(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Start(0))
    }

    /// Creates a future which will return the current seek position from the start of the
    /// stream.
    ///
    /// This is equivalent to `self.seek(SeekFrom::Current(0))`.
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}
