//! `net::unix::pipe`: anonymous pipes, named FIFOs through `OpenOptions`, the checks of
//! `from_file`, the try_ forms and the async read/write impls.

#![cfg(unix)]

mod support;

use std::ffi::CString;
use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::poll_fn;
use magpie_reactor::io::{AsyncRead, AsyncWrite, ReadBuf};
use magpie_reactor::net::unix::pipe;
use support::block_on;

fn fifo(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "magpie-fifo-{}-{}-{}",
        tag,
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_file(&p);
    let c = CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    p
}

fn is_nonblocking(fd: &impl AsFd) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: the fd is open for the duration of the call.
    let flags = unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) };
    flags & libc::O_NONBLOCK != 0
}

async fn read_some(r: &mut pipe::Receiver, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut rb = ReadBuf::new(buf);
    poll_fn(|cx| Pin::new(&mut *r).poll_read(cx, &mut rb)).await?;
    Ok(rb.filled().len())
}

async fn write_all(w: &mut pipe::Sender, mut buf: &[u8]) {
    while !buf.is_empty() {
        let n = poll_fn(|cx| Pin::new(&mut *w).poll_write(cx, buf))
            .await
            .unwrap();
        buf = &buf[n..];
    }
}

#[test]
fn anonymous_pipe_round_trip_and_end_of_stream() {
    block_on(async {
        let (mut tx, mut rx) = pipe::pipe().unwrap();
        assert!(is_nonblocking(&tx) && is_nonblocking(&rx));
        assert_eq!(
            rx.try_read(&mut [0u8; 4]).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );

        let payload: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let writer = async {
            write_all(&mut tx, &payload).await;
            drop(tx);
        };
        let reader = async {
            let mut got = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                let n = read_some(&mut rx, &mut buf).await.unwrap();
                if n == 0 {
                    break got;
                }
                got.extend_from_slice(&buf[..n]);
            }
        };
        let ((), got) = futures::join!(writer, reader);
        assert_eq!(got, payload);
    });
}

#[test]
fn try_forms_vectored_and_buf() {
    block_on(async {
        let (tx, rx) = pipe::pipe().unwrap();
        tx.writable().await.unwrap();
        let n = tx
            .try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
            .unwrap();
        assert_eq!(n, 4);
        tx.try_write(b"efgh").unwrap();
        rx.readable().await.unwrap();
        let (mut a, mut b) = ([0u8; 3], [0u8; 2]);
        let n = rx
            .try_read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])
            .unwrap();
        assert_eq!((n, &a, &b), (5, b"abc", b"de"));
        let mut rest = Vec::with_capacity(16);
        assert_eq!(rx.try_read_buf(&mut rest).unwrap(), 3);
        assert_eq!(rest, b"fgh");
        assert_eq!(
            rx.try_read_buf(&mut rest).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );

        // Fill the pipe: try_write reports WouldBlock, and the write side then waits.
        let chunk = [7u8; 65536];
        loop {
            match tx.try_write(&chunk) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(
            poll_fn(|cx| std::task::Poll::Ready(tx.poll_write_ready(cx)))
                .await
                .is_pending()
        );
        drop(rx);
        // With the reader gone the writer wakes and the write fails with BrokenPipe.
        let err = poll_fn(|cx| {
            std::task::ready!(tx.poll_write_ready(cx))?;
            std::task::Poll::Ready(tx.try_write(b"x"))
        })
        .await;
        assert_eq!(err.unwrap_err().kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn fifo_through_open_options() {
    block_on(async {
        let path = fifo("open");
        // No reader yet: a write-only open fails (ENXIO).
        let err = pipe::OpenOptions::new().open_sender(&path).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENXIO));
        let mut rx = pipe::OpenOptions::new().open_receiver(&path).unwrap();
        let mut tx = pipe::OpenOptions::new().open_sender(&path).unwrap();
        write_all(&mut tx, b"through a fifo").await;
        drop(tx);
        let mut buf = [0u8; 32];
        let n = read_some(&mut rx, &mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"through a fifo");
        assert_eq!(read_some(&mut rx, &mut buf).await.unwrap(), 0);

        #[cfg(target_os = "linux")]
        {
            // Read-write: a sender opens with no reader present.
            let path2 = fifo("rw");
            let tx = pipe::OpenOptions::new()
                .read_write(true)
                .open_sender(&path2)
                .unwrap();
            tx.writable().await.unwrap();
            tx.try_write(b"ok").unwrap();
            std::fs::remove_file(&path2).unwrap();
        }
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn not_a_pipe_and_wrong_access_mode_are_refused() {
    block_on(async {
        let file_path = std::env::temp_dir().join(format!("magpie-notfifo-{}", std::process::id()));
        std::fs::write(&file_path, b"plain").unwrap();
        let err = pipe::OpenOptions::new()
            .open_receiver(&file_path)
            .unwrap_err();
        assert_eq!(
            (err.kind(), err.to_string().as_str()),
            (ErrorKind::InvalidInput, "not a pipe")
        );
        let file = std::fs::File::open(&file_path).unwrap();
        assert_eq!(
            pipe::Receiver::from_file(file).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        // Unchecked skips the FIFO test (the poller then refuses a regular file itself).
        let err = pipe::OpenOptions::new()
            .unchecked(true)
            .open_receiver(&file_path)
            .unwrap_err();
        assert_ne!(err.to_string(), "not a pipe");
        std::fs::remove_file(&file_path).unwrap();

        let path = fifo("mode");
        let _keep_reader = pipe::OpenOptions::new().open_receiver(&path).unwrap();
        let write_only = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let err = pipe::Receiver::from_file(write_only).unwrap_err();
        assert_eq!(err.to_string(), "not in O_RDONLY or O_RDWR access mode");
        let read_only = open_nonblocking_read(&path);
        let err = pipe::Sender::from_file(read_only).unwrap_err();
        assert_eq!(err.to_string(), "not in O_WRONLY or O_RDWR access mode");

        // from_file switches a blocking descriptor to non-blocking.
        let read_only = open_nonblocking_read(&path);
        set_blocking(&read_only);
        assert!(!is_nonblocking(&read_only));
        let rx = pipe::Receiver::from_file(read_only).unwrap();
        assert!(is_nonblocking(&rx));
        let fd = rx.into_blocking_fd().unwrap();
        assert!(!is_nonblocking(&fd));
        std::fs::remove_file(&path).unwrap();
    });
}

fn open_nonblocking_read(path: &Path) -> std::fs::File {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .unwrap()
}

fn set_blocking(f: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: the fd is open for the duration of both calls.
    unsafe {
        let flags = libc::fcntl(f.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(f.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK);
    }
}
