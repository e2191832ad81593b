//! [`read_dir`]: directory listings read in batches on the blocking pool.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::{FileType, Metadata};
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::asyncify;
use crate::blocking::{self, Blocking};

/// Entries fetched per trip to the blocking pool.
const CHUNK: usize = 32;

/// Lists the directory at `path`.
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// let mut entries = magpie_reactor::fs::read_dir(".").await?;
/// while let Some(entry) = entries.next_entry().await? {
///     println!("{}", entry.path().display());
/// }
/// # Ok(())
/// # }
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            buf: VecDeque::new(),
            std,
            done: false,
        })),
    })
}

struct Batch {
    buf: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    done: bool,
}

enum State {
    Idle(Option<Batch>),
    Pending(Blocking<Batch>),
}

/// A directory listing, from [`read_dir`].
pub struct ReadDir {
    state: State,
}

impl ReadDir {
    /// The next entry, or `None` at the end. Cancel safe.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        std::future::poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// Polls for the next entry; `Ready(Ok(None))` at the end.
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(batch) => {
                    let mut b = match batch.take() {
                        Some(b) => b,
                        None => return Poll::Ready(Ok(None)),
                    };
                    if let Some(entry) = b.buf.pop_front() {
                        *batch = Some(b);
                        return Poll::Ready(entry.map(Some));
                    }
                    if b.done {
                        *batch = Some(b);
                        return Poll::Ready(Ok(None));
                    }
                    self.state = State::Pending(blocking::run(move || {
                        for _ in 0..CHUNK {
                            match b.std.next() {
                                Some(entry) => b.buf.push_back(entry.map(DirEntry::new)),
                                None => {
                                    b.done = true;
                                    break;
                                }
                            }
                        }
                        b
                    }));
                }
                State::Pending(job) => {
                    let res = ready!(Pin::new(job).poll(cx));
                    match res {
                        Ok(b) => self.state = State::Idle(Some(b)),
                        Err(e) => {
                            self.state = State::Idle(None);
                            return Poll::Ready(Err(e));
                        }
                    }
                }
            }
        }
    }
}

impl std::fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadDir").finish_non_exhaustive()
    }
}

/// An entry of a directory listing.
#[derive(Debug)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
}

impl DirEntry {
    fn new(std: std::fs::DirEntry) -> DirEntry {
        DirEntry { std: Arc::new(std) }
    }

    /// The full path of the entry.
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's file name, without the directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata (not following a symlink on Unix).
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's file type.
    pub async fn file_type(&self) -> io::Result<FileType> {
        let std = self.std.clone();
        asyncify(move || std.file_type()).await
    }

    /// The entry's inode number (Unix).
    #[cfg(unix)]
    pub fn ino(&self) -> u64 {
        std::os::unix::fs::DirEntryExt::ino(&*self.std)
    }
}
