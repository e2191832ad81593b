//! [`CopyBuffer`]: the state of one direction of a copy, shared by `copy` and
//! `copy_bidirectional`.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use magpie_sched::coop;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

#[derive(Debug)]
pub(crate) struct CopyBuffer {
    read_done: bool,
    /// Bytes were written since the last flush.
    need_flush: bool,
    /// `buf[pos..cap]` is read but not yet written.
    pos: usize,
    cap: usize,
    amt: u64,
    buf: Box<[u8]>,
}

pub(crate) fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "write zero byte into writer")
}

impl CopyBuffer {
    pub(crate) fn new(size: usize) -> CopyBuffer {
        assert!(size > 0, "copy buffer size must be greater than zero");
        CopyBuffer {
            read_done: false,
            need_flush: false,
            pos: 0,
            cap: 0,
            amt: 0,
            buf: vec![0; size].into_boxed_slice(),
        }
    }

    fn poll_fill_buf<R: AsyncRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
    ) -> Poll<io::Result<()>> {
        let mut buf = ReadBuf::new(&mut self.buf);
        buf.set_filled(self.cap);
        // An interrupted read is retried, as std's `copy` does.
        loop {
            match ready!(reader.as_mut().poll_read(cx, &mut buf)) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res?,
            }
        }
        let n = buf.filled().len();
        if n <= self.cap {
            self.read_done = true;
        } else {
            // Clamped in case a broken reader swapped the `ReadBuf` for a larger one.
            self.cap = n.min(self.buf.len());
        }
        Poll::Ready(Ok(()))
    }

    fn poll_write_buf<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<usize>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            match writer
                .as_mut()
                .poll_write(cx, &self.buf[self.pos..self.cap])
            {
                // An interrupted write wrote nothing: retry it.
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Poll::Pending => {
                    // While the writer is busy, top the buffer up so the next write is larger.
                    if !self.read_done && self.cap < self.buf.len() {
                        ready!(self.poll_fill_buf(cx, reader))?;
                    }
                    return Poll::Pending;
                }
                res => return res,
            }
        }
    }

    /// Copies until the reader's EOF, then flushes; returns the bytes copied.
    pub(crate) fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            let budget = ready!(coop::poll_proceed(cx));

            // Read while there is room, so writes are as large as possible.
            if self.cap < self.buf.len() && !self.read_done {
                match self.poll_fill_buf(cx, reader.as_mut()) {
                    Poll::Ready(Ok(())) => budget.made_progress(),
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        if self.pos == self.cap {
                            // Nothing to write and nothing to read: flush, so a buffered
                            // writer doesn't sit on data the other side may be waiting for.
                            if self.need_flush {
                                ready!(writer.as_mut().poll_flush(cx))?;
                                self.need_flush = false;
                            }
                            return Poll::Pending;
                        }
                    }
                }
            }

            while self.pos < self.cap {
                let n = ready!(self.poll_write_buf(cx, reader.as_mut(), writer.as_mut()))?;
                if n == 0 {
                    return Poll::Ready(Err(write_zero()));
                }
                // A writer claiming more than it was given is broken; don't loop forever.
                self.pos = (self.pos + n).min(self.cap);
                self.amt += n as u64;
                self.need_flush = true;
                budget.made_progress();
            }

            self.pos = 0;
            self.cap = 0;

            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}
