//! [`Blocking`]: a std blocking reader or writer driven from async code through the
//! runtime's blocking pool.
//!
//! The wrapped value and a byte buffer travel to a pool thread for each operation and come
//! back with its result. Reads fill the buffer there and are served from it here; a write
//! copies the caller's bytes into the buffer and returns at once, the pool thread writes
//! them out, and any error surfaces on the next write or flush (as in tokio).

use crate::io::ReadBuf;
use magpie_sched::task::JoinHandle;
use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Largest chunk moved per pool round trip, as tokio's.
pub(crate) const MAX_BUF: usize = 2 * 1024 * 1024;

#[derive(Debug)]
pub(crate) struct Blocking<T> {
    state: State<T>,
    /// Bytes were written since the last flush.
    need_flush: bool,
    /// Operations must run even if the runtime starts shutting down meanwhile, and fail
    /// with the shutdown error once it has (standard output and error, as in tokio: their
    /// writes must not vanish silently).
    mandatory: bool,
    /// A mandatory operation was refused: the runtime has shut down.
    refused: bool,
}

#[derive(Debug)]
enum State<T> {
    /// The value is here; `Buf` may hold bytes read ahead but not yet handed out.
    Idle(Option<(T, Buf)>),
    /// The value is on a pool thread.
    Busy(JoinHandle<(io::Result<usize>, Buf, T)>),
}

#[derive(Debug, Default)]
pub(crate) struct Buf {
    buf: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) -> usize {
        let n = (self.buf.len() - self.pos).min(dst.remaining());
        dst.put_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
        n
    }

    fn copy_from(&mut self, src: &[u8]) -> usize {
        debug_assert!(self.is_empty());
        let n = src.len().min(MAX_BUF);
        self.clear();
        self.buf.extend_from_slice(&src[..n]);
        n
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.pos = 0;
    }

    fn read_from<R: Read>(&mut self, rd: &mut R, max: usize) -> io::Result<usize> {
        self.clear();
        self.buf.resize(max, 0);
        let res = loop {
            match rd.read(&mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        let n = *res.as_ref().unwrap_or(&0);
        self.buf.truncate(n);
        res
    }

    fn write_to<W: Write>(&mut self, wr: &mut W) -> io::Result<()> {
        let res = wr.write_all(&self.buf[self.pos..]);
        self.clear();
        res
    }
}

impl<T> Blocking<T> {
    pub(crate) fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle(Some((inner, Buf::default()))),
            need_flush: false,
            mandatory: false,
            refused: false,
        }
    }

    /// As [`Blocking::new`], for a value whose operations are mandatory (see the field).
    pub(crate) fn new_mandatory(inner: T) -> Blocking<T> {
        Blocking {
            mandatory: true,
            ..Blocking::new(inner)
        }
    }

    /// Starts `f` on the blocking pool and waits for it from now on; a mandatory operation
    /// on a runtime that has shut down fails with the shutdown error instead.
    fn start<F>(&mut self, f: F) -> io::Result<()>
    where
        T: Send + 'static,
        F: FnOnce() -> (io::Result<usize>, Buf, T) + Send + 'static,
    {
        let handle = match magpie_sched::runtime::Handle::try_current() {
            Ok(rt) if self.mandatory => match rt.try_spawn_mandatory_blocking(f) {
                Some(handle) => handle,
                None => {
                    self.refused = true;
                    return Err(crate::driver::Handle::shutdown_error());
                }
            },
            // Outside a runtime this panics with tokio's message, as tokio does.
            _ => magpie_sched::spawn_blocking(f),
        };
        self.state = State::Busy(handle);
        Ok(())
    }

    /// Waits for a pool round trip to come back; returns its result.
    fn poll_busy(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let State::Busy(handle) = &mut self.state else {
            return Poll::Ready(Ok(0));
        };
        match ready!(Pin::new(handle).poll(cx)) {
            Ok((res, buf, inner)) => {
                self.state = State::Idle(Some((inner, buf)));
                Poll::Ready(res)
            }
            Err(join_error) => {
                // The value went down with the pool task (runtime shut down, or a panic).
                self.state = State::Idle(None);
                Poll::Ready(Err(join_error.into()))
            }
        }
    }

    fn take_idle(&mut self) -> io::Result<(T, Buf)> {
        match &mut self.state {
            State::Idle(_) if self.refused => Err(crate::driver::Handle::shutdown_error()),
            State::Idle(slot) => slot.take().ok_or_else(|| {
                io::Error::other("stdio handle unusable: its blocking task did not complete")
            }),
            State::Busy(_) => unreachable!("taken only when idle"),
        }
    }
}

impl<T: Read + Send + 'static> Blocking<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let State::Idle(Some((_, buf))) = &mut self.state {
            if !buf.is_empty() || dst.remaining() == 0 {
                buf.copy_to(dst);
                return Poll::Ready(Ok(()));
            }
        }
        if let State::Idle(_) = self.state {
            let (mut inner, mut buf) = self.take_idle()?;
            let max = dst.remaining().min(MAX_BUF);
            self.start(move || {
                let res = buf.read_from(&mut inner, max);
                (res, buf, inner)
            })?;
        }
        ready!(self.poll_busy(cx))?;
        // What came back (nothing at EOF) goes out now; another read starts next time.
        if let State::Idle(Some((_, buf))) = &mut self.state {
            buf.copy_to(dst);
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Report the previous write's outcome before accepting more.
        ready!(self.poll_busy(cx))?;
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let (mut inner, mut buf) = self.take_idle()?;
        let n = buf.copy_from(src);
        self.start(move || {
            let res = buf.write_to(&mut inner).map(|()| n);
            (res, buf, inner)
        })?;
        self.need_flush = true;
        Poll::Ready(Ok(n))
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_busy(cx))?;
            if !self.need_flush {
                return Poll::Ready(Ok(()));
            }
            self.need_flush = false;
            let (mut inner, buf) = self.take_idle()?;
            self.start(move || {
                let res = inner.flush().map(|()| 0);
                (res, buf, inner)
            })?;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
    use std::sync::{Arc, Mutex};

    fn runtime() -> magpie_sched::runtime::Runtime {
        magpie_sched::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    }

    struct R(Blocking<io::Cursor<Vec<u8>>>);
    impl AsyncRead for R {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            self.get_mut().0.poll_read(cx, buf)
        }
    }

    /// A writer into a shared vector that can be told to fail.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<(Vec<u8>, bool, usize)>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut g = self.0.lock().unwrap();
            if g.1 {
                return Err(io::Error::other("disk on fire"));
            }
            g.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.0.lock().unwrap().2 += 1;
            Ok(())
        }
    }

    struct W(Blocking<Shared>);
    impl AsyncWrite for W {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.get_mut().0.poll_write(cx, buf)
        }
        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.get_mut().0.poll_flush(cx)
        }
        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.get_mut().0.poll_flush(cx)
        }
    }

    #[test]
    fn reads_in_chunks_then_eof_repeatedly() {
        runtime().block_on(async {
            let data: Vec<u8> = (0..100u8).collect();
            let mut r = R(Blocking::new(io::Cursor::new(data.clone())));
            let mut first = [0u8; 10];
            assert_eq!(r.read(&mut first).await.unwrap(), 10);
            assert_eq!(&first, &data[..10]);
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest, &data[10..]);
            // EOF again and again, without spinning.
            assert_eq!(r.read(&mut first).await.unwrap(), 0);
            assert_eq!(r.read(&mut first).await.unwrap(), 0);
            assert_eq!(r.read(&mut []).await.unwrap(), 0);
        });
    }

    #[test]
    fn writes_flow_in_order_and_flush_waits() {
        runtime().block_on(async {
            let shared = Shared::default();
            let mut w = W(Blocking::new(shared.clone()));
            for i in 0..100u32 {
                w.write_all(format!("{i},").as_bytes()).await.unwrap();
            }
            assert_eq!(w.write(b"").await.unwrap(), 0);
            w.flush().await.unwrap();
            let expect: String = (0..100u32).map(|i| format!("{i},")).collect();
            let g = shared.0.lock().unwrap();
            assert_eq!(g.0, expect.as_bytes());
            assert_eq!(g.2, 1, "one flush of the inner writer");
        });
    }

    #[test]
    fn write_error_surfaces_on_the_next_call() {
        runtime().block_on(async {
            let shared = Shared::default();
            shared.0.lock().unwrap().1 = true;
            let mut w = W(Blocking::new(shared.clone()));
            // Accepted at once: the failure happens on the pool thread.
            assert_eq!(w.write(b"abc").await.unwrap(), 3);
            let err = w.flush().await.unwrap_err();
            assert_eq!(err.to_string(), "disk on fire");
            // The handle stays usable.
            shared.0.lock().unwrap().1 = false;
            w.write_all(b"ok").await.unwrap();
            w.shutdown().await.unwrap();
            assert_eq!(shared.0.lock().unwrap().0, b"ok");
        });
    }

    #[test]
    fn large_write_is_split_at_max_buf() {
        runtime().block_on(async {
            let shared = Shared::default();
            let mut w = W(Blocking::new(shared.clone()));
            let big = vec![9u8; MAX_BUF + 10];
            assert_eq!(w.write(&big).await.unwrap(), MAX_BUF);
            w.write_all(&big[MAX_BUF..]).await.unwrap();
            w.flush().await.unwrap();
            assert_eq!(shared.0.lock().unwrap().0.len(), MAX_BUF + 10);
        });
    }

    #[test]
    fn std_handles_smoke() {
        use std::os::fd::AsRawFd;
        runtime().block_on(async {
            let mut out = crate::io::stdout();
            out.write_all(b"").await.unwrap();
            out.flush().await.unwrap();
            let mut err = crate::io::stderr();
            err.flush().await.unwrap();
            assert_eq!(out.as_raw_fd(), 1);
            assert_eq!(err.as_raw_fd(), 2);
            assert_eq!(crate::io::stdin().as_raw_fd(), 0);
        });
    }
}
