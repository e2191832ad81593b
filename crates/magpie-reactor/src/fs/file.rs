//! [`File`]: an open file whose reads, writes and seeks run on the blocking pool.
//!
//! One operation is in flight at a time. A read fills an internal buffer on the pool and
//! serves the caller from it; a write copies the caller's bytes into the buffer and returns
//! at once, the write itself finishing in the background (so `flush` is what reports its
//! error, as in tokio). Unread buffered bytes mean the OS file position is ahead of the
//! caller's: writes and seeks first step back by that much.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use super::{asyncify, FileTimes, Metadata, OpenOptions, Permissions};
use crate::blocking::{self, Blocking};
use crate::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

const DEFAULT_MAX_BUF: usize = 2 * 1024 * 1024;

/// A reference to an open file.
///
/// ```no_run
/// use magpie_reactor::fs::File;
/// # async fn run() -> std::io::Result<()> {
/// let file = File::create("foo.txt").await?;
/// file.sync_all().await?;
/// # Ok(())
/// # }
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    inner: Mutex<Inner>,
    max_buf: usize,
}

struct Inner {
    state: State,
    /// The error of a background write, reported by the next write or flush.
    last_write_err: Option<io::ErrorKind>,
    pos: u64,
}

enum State {
    Idle(Option<Buf>),
    Busy(Blocking<(Operation, Buf)>),
}

enum Operation {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn unread(&self) -> &[u8] {
        &self.data[self.pos..]
    }

    fn is_empty(&self) -> bool {
        self.unread().is_empty()
    }

    fn copy_to(&mut self, dst: &mut ReadBuf<'_>) -> usize {
        let n = self.unread().len().min(dst.remaining());
        dst.put_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.data.len() {
            self.clear();
        }
        n
    }

    fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        debug_assert!(self.is_empty());
        let n = src.len().min(max);
        self.clear();
        self.data.extend_from_slice(&src[..n]);
        n
    }

    fn copy_from_bufs(&mut self, bufs: &[io::IoSlice<'_>], max: usize) -> usize {
        debug_assert!(self.is_empty());
        self.clear();
        for b in bufs {
            let room = max - self.data.len();
            if room == 0 {
                break;
            }
            self.data.extend_from_slice(&b[..b.len().min(room)]);
        }
        self.data.len()
    }

    fn clear(&mut self) {
        self.data.clear();
        self.pos = 0;
    }

    /// Drops the unread bytes; returns the (negative) offset back to the caller's position.
    fn discard_read(&mut self) -> i64 {
        let back = -(self.unread().len() as i64);
        self.clear();
        back
    }

    fn read_from(&mut self, file: &std::fs::File, len: usize) -> io::Result<usize> {
        self.clear();
        self.data.resize(len, 0);
        let res = loop {
            match (&*file).read(&mut self.data) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        self.data.truncate(*res.as_ref().unwrap_or(&0));
        res
    }

    fn write_to(&mut self, file: &std::fs::File) -> io::Result<()> {
        let res = (&*file).write_all(self.unread());
        self.clear();
        res
    }
}

fn background_gone() -> io::Error {
    io::Error::other("background file operation failed")
}

impl File {
    /// Opens a file for reading.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new().read(true).open(path).await
    }

    /// Opens a file for writing, creating or truncating it.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// Creates a new file for reading and writing; fails if it exists.
    pub async fn create_new(path: impl AsRef<Path>) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .await
    }

    /// Options to open a file with.
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Wraps an open std file.
    pub fn from_std(std: std::fs::File) -> File {
        File {
            std: Arc::new(std),
            inner: Mutex::new(Inner {
                state: State::Idle(Some(Buf::default())),
                last_write_err: None,
                pos: 0,
            }),
            max_buf: DEFAULT_MAX_BUF,
        }
    }

    /// Sets the largest chunk one background read or write moves (2 MiB by default).
    ///
    /// # Panics
    ///
    /// If `max_buf_size` is 0.
    #[track_caller]
    pub fn set_max_buf_size(&mut self, max_buf_size: usize) {
        assert!(max_buf_size > 0, "`max_buf_size` must be greater than 0");
        self.max_buf = max_buf_size;
    }

    /// The largest chunk one background read or write moves.
    pub fn max_buf_size(&self) -> usize {
        self.max_buf
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the in-flight operation; returns its write error, if it was a write.
    async fn complete_inflight(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.lock().poll_flush(cx)).await
    }

    /// Finishes in-flight work, then steps the OS position back over unread buffered bytes.
    async fn settle(&self) -> io::Result<()> {
        self.complete_inflight().await?;
        let back = match &mut self.lock().state {
            State::Idle(Some(buf)) if !buf.is_empty() => buf.discard_read(),
            _ => 0,
        };
        if back != 0 {
            let std = self.std.clone();
            asyncify(move || (&*std).seek(SeekFrom::Current(back))).await?;
        }
        Ok(())
    }

    /// Flushes data and metadata to the disk.
    pub async fn sync_all(&self) -> io::Result<()> {
        self.complete_inflight().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// Flushes data (not necessarily metadata) to the disk.
    pub async fn sync_data(&self) -> io::Result<()> {
        self.complete_inflight().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Truncates or extends the file to `size` bytes.
    pub async fn set_len(&self, size: u64) -> io::Result<()> {
        self.settle().await?;
        let std = self.std.clone();
        asyncify(move || std.set_len(size)).await
    }

    /// The file's metadata.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// Changes the file's permissions.
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(perm)).await
    }

    /// Sets the file's access and/or modification times (those set in `times`).
    ///
    /// Waits for the in-flight read or write first, so it cannot land after the new
    /// times and overwrite them.
    pub async fn set_times(&self, times: FileTimes) -> io::Result<()> {
        self.complete_inflight().await?;
        let std = self.std.clone();
        asyncify(move || std.set_times(times)).await
    }

    /// Sets the file's modification time: [`set_times`](Self::set_times) with only that.
    pub async fn set_modified(&self, time: std::time::SystemTime) -> io::Result<()> {
        self.set_times(FileTimes::new().set_modified(time)).await
    }

    /// A new handle to the same open file (sharing its position).
    pub async fn try_clone(&self) -> io::Result<File> {
        self.settle().await?;
        let std = self.std.clone();
        let cloned = asyncify(move || std.try_clone()).await?;
        let mut cloned = File::from_std(cloned);
        cloned.max_buf = self.max_buf;
        Ok(cloned)
    }

    /// Finishes in-flight work and returns the std file.
    pub async fn into_std(self) -> std::fs::File {
        let _ = self.settle().await;
        Arc::try_unwrap(self.std).unwrap_or_else(|std| {
            std.try_clone()
                .expect("File::into_std: could not duplicate the file handle")
        })
    }

    /// Returns the std file if no operation is in flight; the file back otherwise.
    pub fn try_into_std(mut self) -> Result<std::fs::File, File> {
        let idle = matches!(self.inner.get_mut().map(|i| &i.state), Ok(State::Idle(_)));
        if !idle {
            return Err(self);
        }
        match Arc::try_unwrap(self.std) {
            Ok(std) => Ok(std),
            Err(std) => {
                self.std = std;
                Err(self)
            }
        }
    }
}

impl Inner {
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(kind) = self.last_write_err.take() {
            return Poll::Ready(Err(kind.into()));
        }
        let (op, buf) = match &mut self.state {
            State::Idle(_) => return Poll::Ready(Ok(())),
            State::Busy(job) => match ready!(Pin::new(job).poll(cx)) {
                Ok(done) => done,
                Err(_) => {
                    self.state = State::Idle(Some(Buf::default()));
                    return Poll::Ready(Err(background_gone()));
                }
            },
        };
        self.state = State::Idle(Some(buf));
        match op {
            Operation::Write(res) => Poll::Ready(res),
            Operation::Seek(Ok(pos)) => {
                self.pos = pos;
                Poll::Ready(Ok(()))
            }
            _ => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let max_buf = me.max_buf;
        let inner = me.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        loop {
            match &mut inner.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().unwrap_or_default();
                    if !buf.is_empty() || dst.remaining() == 0 {
                        buf.copy_to(dst);
                        *slot = Some(buf);
                        return Poll::Ready(Ok(()));
                    }
                    let len = dst.remaining().min(max_buf);
                    let std = me.std.clone();
                    inner.state = State::Busy(blocking::run(move || {
                        let res = buf.read_from(&std, len);
                        (Operation::Read(res), buf)
                    }));
                }
                State::Busy(job) => {
                    let (op, mut buf) = match ready!(Pin::new(job).poll(cx)) {
                        Ok(done) => done,
                        Err(_) => {
                            inner.state = State::Idle(Some(Buf::default()));
                            return Poll::Ready(Err(background_gone()));
                        }
                    };
                    match op {
                        Operation::Read(Ok(_)) => {
                            buf.copy_to(dst);
                            inner.state = State::Idle(Some(buf));
                            return Poll::Ready(Ok(()));
                        }
                        Operation::Read(Err(e)) => {
                            buf.clear();
                            inner.state = State::Idle(Some(buf));
                            return Poll::Ready(Err(e));
                        }
                        Operation::Write(Ok(())) => inner.state = State::Idle(Some(buf)),
                        Operation::Write(Err(e)) => {
                            inner.last_write_err = Some(e.kind());
                            inner.state = State::Idle(Some(buf));
                        }
                        Operation::Seek(res) => {
                            if let Ok(pos) = res {
                                inner.pos = pos;
                            }
                            inner.state = State::Idle(Some(buf));
                        }
                    }
                }
            }
        }
    }
}

impl File {
    /// Starts a background write of what `fill` copies into the (empty) buffer, once the
    /// in-flight operation is done; returns how many bytes `fill` took.
    fn poll_write_with(
        &mut self,
        cx: &mut Context<'_>,
        fill: impl FnOnce(&mut Buf, usize) -> usize,
    ) -> Poll<io::Result<usize>> {
        let me = self;
        let max_buf = me.max_buf;
        let inner = me.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(kind) = inner.last_write_err.take() {
            return Poll::Ready(Err(kind.into()));
        }
        loop {
            match &mut inner.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().unwrap_or_default();
                    let back = if buf.is_empty() {
                        0
                    } else {
                        buf.discard_read()
                    };
                    let n = fill(&mut buf, max_buf);
                    let std = me.std.clone();
                    inner.state = State::Busy(blocking::run_mandatory(move || {
                        let res = if back != 0 {
                            (&*std)
                                .seek(SeekFrom::Current(back))
                                .and_then(|_| buf.write_to(&std))
                        } else {
                            buf.write_to(&std)
                        };
                        (Operation::Write(res), buf)
                    }));
                    return Poll::Ready(Ok(n));
                }
                State::Busy(job) => {
                    let (op, buf) = match ready!(Pin::new(job).poll(cx)) {
                        Ok(done) => done,
                        Err(_) => {
                            inner.state = State::Idle(Some(Buf::default()));
                            return Poll::Ready(Err(background_gone()));
                        }
                    };
                    inner.state = State::Idle(Some(buf));
                    match op {
                        Operation::Read(_) => {}
                        Operation::Write(res) => res?,
                        Operation::Seek(res) => {
                            if let Ok(pos) = res {
                                inner.pos = pos;
                            }
                        }
                    }
                }
            }
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_write_with(cx, |buf, max| buf.copy_from(src, max))
    }

    /// Gathers the buffers into one background write (up to the max buffer size).
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_write_with(cx, |buf, max| buf.copy_from_bufs(bufs, max))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let inner = self
            .get_mut()
            .inner
            .get_mut()
            .unwrap_or_else(|p| p.into_inner());
        inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, mut pos: SeekFrom) -> io::Result<()> {
        let me = self.get_mut();
        let inner = me.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        match &mut inner.state {
            State::Busy(_) => Err(io::Error::other(
                "other file operation is pending, call poll_complete before start_seek",
            )),
            State::Idle(slot) => {
                let mut buf = slot.take().unwrap_or_default();
                if !buf.is_empty() {
                    let back = buf.discard_read();
                    if let SeekFrom::Current(offset) = &mut pos {
                        *offset += back;
                    }
                }
                let std = me.std.clone();
                inner.state = State::Busy(blocking::run(move || {
                    let res = (&*std).seek(pos);
                    (Operation::Seek(res), buf)
                }));
                Ok(())
            }
        }
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let inner = self
            .get_mut()
            .inner
            .get_mut()
            .unwrap_or_else(|p| p.into_inner());
        loop {
            match &mut inner.state {
                State::Idle(_) => return Poll::Ready(Ok(inner.pos)),
                State::Busy(job) => {
                    let (op, buf) = match ready!(Pin::new(job).poll(cx)) {
                        Ok(done) => done,
                        Err(_) => {
                            inner.state = State::Idle(Some(Buf::default()));
                            return Poll::Ready(Err(background_gone()));
                        }
                    };
                    inner.state = State::Idle(Some(buf));
                    match op {
                        Operation::Read(_) => {}
                        Operation::Write(Err(e)) => inner.last_write_err = Some(e.kind()),
                        Operation::Write(Ok(())) => {}
                        Operation::Seek(res) => {
                            let pos = res?;
                            inner.pos = pos;
                            return Poll::Ready(Ok(pos));
                        }
                    }
                }
            }
        }
    }
}

impl From<std::fs::File> for File {
    fn from(std: std::fs::File) -> File {
        File::from_std(std)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // tokio's name: code and tests written for tokio may look for it.
        f.debug_struct("tokio::fs::File")
            .field("std", &self.std)
            .finish()
    }
}

#[cfg(unix)]
impl From<std::os::fd::OwnedFd> for File {
    fn from(fd: std::os::fd::OwnedFd) -> File {
        File::from_std(std::fs::File::from(fd))
    }
}

#[cfg(unix)]
impl std::os::fd::FromRawFd for File {
    /// Takes ownership of an open file descriptor.
    ///
    /// # Safety
    ///
    /// As for std's `File` (see [`FromRawFd`](std::os::fd::FromRawFd)): `fd` must be open and
    /// owned by nothing else.
    unsafe fn from_raw_fd(fd: std::os::fd::RawFd) -> File {
        // SAFETY: the caller upholds `FromRawFd`'s contract, which std's file shares.
        File::from_std(unsafe { std::fs::File::from_raw_fd(fd) })
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for File {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.std.as_raw_fd()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for File {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.std.as_fd()
    }
}
