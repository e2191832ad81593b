//! The [`ReadToEnd`] future behind
//! [`AsyncReadExt::read_to_end`](super::AsyncReadExt::read_to_end), and the vector-filling
//! loop that `read_to_string` shares.

use crate::io::{AsyncRead, ReadBuf};
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::{self, MaybeUninit};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Bytes read on the stack first when the vector has less spare room than this, so a reader
/// already at EOF does not make us grow (and maybe double) the vector for nothing.
const PROBE: usize = 32;

/// Progress of a read-to-end across polls.
#[derive(Debug)]
pub(crate) struct VecFill {
    /// Bytes appended so far by this operation.
    read: usize,
    /// Bytes past `len` in the spare capacity that a reader already initialised: handed to
    /// the next `ReadBuf` so they are not zeroed again.
    spare_init: usize,
    /// Capacity when the operation started; the stack probe is only worth it until the
    /// vector has grown once.
    start_cap: usize,
}

impl VecFill {
    pub(crate) fn new(vec: &Vec<u8>) -> VecFill {
        VecFill {
            read: 0,
            spare_init: 0,
            start_cap: vec.capacity(),
        }
    }

    /// Reads from `reader` into `vec` until EOF; returns the bytes appended.
    pub(crate) fn poll<R: AsyncRead + ?Sized>(
        &mut self,
        vec: &mut Vec<u8>,
        mut reader: Pin<&mut R>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        loop {
            let (res, n) = if vec.capacity() - vec.len() < PROBE && vec.capacity() == self.start_cap
            {
                self.probe(vec, reader.as_mut(), cx)
            } else {
                self.read_into_spare(vec, reader.as_mut(), cx)
            };
            self.read += n;
            match res {
                Poll::Pending => return Poll::Pending,
                // An interrupted read is retried, as std's `read_to_end` does.
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) if n == 0 => return Poll::Ready(Ok(mem::take(&mut self.read))),
                Poll::Ready(Ok(())) => {}
            }
        }
    }

    fn probe<R: AsyncRead + ?Sized>(
        &mut self,
        vec: &mut Vec<u8>,
        reader: Pin<&mut R>,
        cx: &mut Context<'_>,
    ) -> (Poll<io::Result<()>>, usize) {
        let mut probe = [MaybeUninit::<u8>::uninit(); PROBE];
        let mut buf = ReadBuf::uninit(&mut probe);
        let res = reader.poll_read(cx, &mut buf);
        let got = buf.filled();
        let cap = vec.capacity();
        vec.extend_from_slice(got);
        self.spare_init = if vec.capacity() == cap {
            self.spare_init.saturating_sub(got.len())
        } else {
            0
        };
        (res, got.len())
    }

    fn read_into_spare<R: AsyncRead + ?Sized>(
        &mut self,
        vec: &mut Vec<u8>,
        reader: Pin<&mut R>,
        cx: &mut Context<'_>,
    ) -> (Poll<io::Result<()>>, usize) {
        let cap = vec.capacity();
        vec.reserve(PROBE);
        if vec.capacity() != cap {
            // A reallocation: don't trust the old spare bytes' state.
            self.spare_init = 0;
        }
        let len = vec.len();
        let spare = vec.spare_capacity_mut();
        let spare_init = self.spare_init.min(spare.len());
        let mut buf = ReadBuf::uninit(spare);
        // SAFETY: `spare_init` bytes at the start of the spare capacity were initialised by an
        // earlier read (tracked below), and nothing has written uninitialised bytes since.
        unsafe { buf.assume_init(spare_init) };
        let ptr = buf.filled().as_ptr();

        let res = reader.poll_read(cx, &mut buf);

        assert_eq!(
            ptr,
            buf.filled().as_ptr(),
            "AsyncRead::poll_read replaced the ReadBuf it was given with another buffer"
        );
        let n = buf.filled().len();
        let init = buf.initialized().len();
        // SAFETY: the `ReadBuf` still points at the vector's spare capacity (checked above),
        // and its first `n` bytes are filled, hence initialised.
        unsafe { vec.set_len(len + n) };
        self.spare_init = init - n;
        (res, n)
    }
}

/// Future for [`read_to_end`](super::AsyncReadExt::read_to_end).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToEnd<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    fill: VecFill,
    // Makes the future `!Unpin`, as tokio's are.
    _pin: PhantomPinned,
}

pub(crate) fn read_to_end<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
) -> ReadToEnd<'a, R> {
    let fill = VecFill::new(buf);
    ReadToEnd {
        reader,
        buf,
        fill,
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // SAFETY: no field is structurally pinned (`_pin` only makes the future `!Unpin`,
        // as tokio's are), so `&mut Self` moves nothing that was promised to stay put.
        let me = unsafe { self.get_unchecked_mut() };
        me.fill.poll(me.buf, Pin::new(&mut *me.reader), cx)
    }
}
