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

/// An I/O object that plays a script, to put errors exactly between two chunks of data.
///
/// Reads (and `poll_fill_buf`) hand out the scripted steps in order: a chunk of bytes (cut
/// to the caller's room; the rest stays for the next read) or an error, then EOF. Writes
/// accept at most `write_chunk` bytes each and, with `interrupt_writes`, every other write
/// (the first included) fails with `Interrupted` instead.
#[derive(Debug, Default)]
pub struct Script {
    reads: std::collections::VecDeque<Result<Vec<u8>, io::ErrorKind>>,
    pub written: Vec<u8>,
    pub write_chunk: usize,
    pub interrupt_writes: bool,
    interrupt_next: bool,
    pub interrupts: usize,
    pub shutdowns: usize,
}

impl Script {
    /// A reader playing `steps`; writes accept everything, uninterrupted.
    pub fn reads(steps: impl IntoIterator<Item = Result<&'static [u8], io::ErrorKind>>) -> Script {
        Script {
            reads: steps.into_iter().map(|s| s.map(<[u8]>::to_vec)).collect(),
            write_chunk: usize::MAX,
            ..Script::default()
        }
    }

    /// A reader giving `data` in `chunk`-sized pieces, each preceded by an `Interrupted`.
    pub fn interrupted_reads(data: &[u8], chunk: usize) -> Script {
        let mut s = Script::reads([]);
        for piece in data.chunks(chunk) {
            s.reads.push_back(Err(io::ErrorKind::Interrupted));
            s.reads.push_back(Ok(piece.to_vec()));
        }
        s.reads.push_back(Err(io::ErrorKind::Interrupted));
        s
    }

    /// A writer taking `chunk` bytes per write, every other write interrupted.
    pub fn interrupted_writes(chunk: usize) -> Script {
        Script {
            write_chunk: chunk,
            interrupt_writes: true,
            interrupt_next: true,
            ..Script::default()
        }
    }

    /// What comes next: `Some(Ok(()))` for a chunk (left at the front), a scripted error
    /// (taken off the script), or `None` at EOF.
    fn next_read(&mut self) -> Option<io::Result<()>> {
        let kind = match self.reads.front()? {
            Ok(_) => return Some(Ok(())),
            Err(kind) => *kind,
        };
        self.reads.pop_front();
        if kind == io::ErrorKind::Interrupted {
            self.interrupts += 1;
        }
        Some(Err(io::Error::new(kind, "scripted failure")))
    }

    fn chunk(&mut self) -> &mut Vec<u8> {
        match self.reads.front_mut() {
            Some(Ok(chunk)) => chunk,
            _ => panic!("no chunk to read from"),
        }
    }

    fn write_step(&mut self, len: usize) -> io::Result<usize> {
        if self.interrupt_writes {
            self.interrupt_next = !self.interrupt_next;
            if !self.interrupt_next {
                self.interrupts += 1;
                return Err(io::ErrorKind::Interrupted.into());
            }
        }
        Ok(len.min(self.write_chunk))
    }
}

impl AsyncRead for Script {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        match me.next_read() {
            None => {}
            Some(Err(e)) => return Poll::Ready(Err(e)),
            Some(Ok(())) => {
                let chunk = me.chunk();
                let n = chunk.len().min(buf.remaining());
                buf.put_slice(&chunk[..n]);
                chunk.drain(..n);
                if chunk.is_empty() {
                    me.reads.pop_front();
                }
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Script {
    fn poll_fill_buf(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let me = self.get_mut();
        match me.next_read() {
            None => Poll::Ready(Ok(&[])),
            Some(Err(e)) => Poll::Ready(Err(e)),
            Some(Ok(())) => Poll::Ready(Ok(&me.chunk()[..])),
        }
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let me = self.get_mut();
        if amt == 0 {
            return;
        }
        let chunk = me.chunk();
        chunk.drain(..amt);
        if chunk.is_empty() {
            me.reads.pop_front();
        }
    }
}

impl AsyncWrite for Script {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let n = me.write_step(buf.len())?;
        me.written.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}
