//! Test doubles for the io integration tests: readers and writers that move one byte at a
//! time, return `Pending` every other poll, or fail on cue.

#![allow(dead_code)]

use magpie_reactor::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs a future to completion on the current thread.
pub fn run<F: std::future::Future>(fut: F) -> F::Output {
    futures::executor::block_on(fut)
}

/// A reader over `data` that returns at most `chunk` bytes per read and, if `pending`, returns
/// `Pending` (after waking itself) before every read.
#[derive(Debug)]
pub struct Trickle {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    pending: bool,
    ready_next: bool,
    /// Fail with this error kind once all data is read, instead of reporting EOF.
    pub fail_at_end: Option<io::ErrorKind>,
    pub polls: usize,
}

impl Trickle {
    pub fn new(data: &[u8], chunk: usize, pending: bool) -> Trickle {
        Trickle {
            data: data.to_vec(),
            pos: 0,
            chunk,
            pending,
            ready_next: false,
            fail_at_end: None,
            polls: 0,
        }
    }

    pub fn bytes(data: &[u8]) -> Trickle {
        Trickle::new(data, 1, true)
    }

    fn gate(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.polls += 1;
        if self.pending && !self.ready_next {
            self.ready_next = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready_next = false;
        Poll::Ready(())
    }

    fn end_error(&self) -> Option<io::Error> {
        if self.pos == self.data.len() {
            self.fail_at_end
                .map(|k| io::Error::new(k, "trickle failure"))
        } else {
            None
        }
    }
}

impl AsyncRead for Trickle {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        std::task::ready!(me.gate(cx));
        if let Some(e) = me.end_error() {
            return Poll::Ready(Err(e));
        }
        let n = me.chunk.min(buf.remaining()).min(me.data.len() - me.pos);
        buf.put_slice(&me.data[me.pos..me.pos + n]);
        me.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Trickle {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let me = self.get_mut();
        std::task::ready!(me.gate(cx));
        if let Some(e) = me.end_error() {
            return Poll::Ready(Err(e));
        }
        let end = (me.pos + me.chunk).min(me.data.len());
        Poll::Ready(Ok(&me.data[me.pos..end]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let me = self.get_mut();
        assert!(me.pos + amt <= me.data.len(), "consumed more than filled");
        me.pos += amt;
    }
}

/// A writer that accepts at most `chunk` bytes per write, returns `Pending` before every
/// operation if `pending`, and can be told to accept nothing or fail.
#[derive(Debug, Default)]
pub struct Stingy {
    pub data: Vec<u8>,
    pub chunk: usize,
    pub pending: bool,
    ready_next: bool,
    /// Accept at most this many bytes in total, then report 0 bytes written.
    pub capacity: Option<usize>,
    /// Fail every write with this kind.
    pub fail: Option<io::ErrorKind>,
    pub flushes: usize,
    pub shutdowns: usize,
    pub writes: usize,
}

impl Stingy {
    pub fn new(chunk: usize, pending: bool) -> Stingy {
        Stingy {
            chunk,
            pending,
            ..Stingy::default()
        }
    }

    fn gate(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.pending && !self.ready_next {
            self.ready_next = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready_next = false;
        Poll::Ready(())
    }
}

impl AsyncWrite for Stingy {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        std::task::ready!(me.gate(cx));
        me.writes += 1;
        if let Some(kind) = me.fail {
            return Poll::Ready(Err(io::Error::new(kind, "stingy failure")));
        }
        let mut n = me.chunk.min(buf.len());
        if let Some(cap) = me.capacity {
            n = n.min(cap.saturating_sub(me.data.len()));
        }
        me.data.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        std::task::ready!(me.gate(cx));
        me.flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        std::task::ready!(me.gate(cx));
        me.shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}

/// Deterministic pseudo-random bytes.
pub fn noise(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// A reader that breaks the `ReadBuf` contract by swapping in a buffer of its own.
#[derive(Debug, Default)]
pub struct Swapper;

impl AsyncRead for Swapper {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let own: &'static mut [u8] = Box::leak(vec![7u8; 16].into_boxed_slice());
        let mut replacement = ReadBuf::new(own);
        replacement.advance(16);
        // Lifetimes allow this: `ReadBuf<'static>` coerces to the caller's `ReadBuf<'_>`.
        *buf = replacement;
        Poll::Ready(Ok(()))
    }
}

/// A seekable cursor whose seeks and reads each take one extra `Pending` poll.
#[derive(Debug)]
pub struct SlowSeek {
    pub inner: io::Cursor<Vec<u8>>,
    target: Option<io::SeekFrom>,
    ready_next: bool,
    pub seeks: usize,
}

impl SlowSeek {
    pub fn new(data: Vec<u8>) -> SlowSeek {
        SlowSeek {
            inner: io::Cursor::new(data),
            target: None,
            ready_next: false,
            seeks: 0,
        }
    }

    fn gate(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.ready_next {
            self.ready_next = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready_next = false;
        Poll::Ready(())
    }
}

impl AsyncRead for SlowSeek {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        std::task::ready!(me.gate(cx));
        Pin::new(&mut me.inner).poll_read(cx, buf)
    }
}

impl magpie_reactor::io::AsyncSeek for SlowSeek {
    fn start_seek(self: Pin<&mut Self>, position: io::SeekFrom) -> io::Result<()> {
        let me = self.get_mut();
        if me.target.is_some() {
            return Err(io::Error::other("other seek in progress"));
        }
        me.target = Some(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        let Some(target) = me.target else {
            return Poll::Ready(Ok(me.inner.position()));
        };
        std::task::ready!(me.gate(cx));
        me.target = None;
        me.seeks += 1;
        Poll::Ready(io::Seek::seek(&mut me.inner, target))
    }
}
