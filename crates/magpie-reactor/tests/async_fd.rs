//! AsyncFd over a non-blocking pipe: waiting, clearing, retaining, try_io.

#![cfg(unix)]

mod support;

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};

use futures::join;
use magpie_reactor::{AsyncFd, Interest, Ready};
use support::block_on;

fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    assert_eq!(
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) },
        0
    );
    // SAFETY: both fds are new and owned by nobody else.
    unsafe {
        (
            File::from(OwnedFd::from_raw_fd(fds[0])),
            File::from(OwnedFd::from_raw_fd(fds[1])),
        )
    }
}

#[test]
fn read_pipe_with_guards() {
    block_on(async {
        let (r, w) = pipe();
        // SAFETY: each `AsyncFd` owns its end of a fresh pipe, so the descriptor stays open
        // while registered and nothing else registers it.
        let r = unsafe { AsyncFd::register_with_interest(r, Interest::READABLE) }.unwrap();
        // SAFETY: as above.
        let w = unsafe { AsyncFd::register(w) }.unwrap();
        let reader = async {
            let mut buf = [0u8; 16];
            let mut got = Vec::new();
            while got.len() < 10 {
                let mut guard = r.readable().await.unwrap();
                assert!(guard.ready().is_readable());
                match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                    Ok(n) => got.extend_from_slice(&buf[..n.unwrap()]),
                    Err(_would_block) => continue,
                }
            }
            got
        };
        let writer = async {
            for chunk in [&b"hello"[..], &b"world"[..]] {
                let mut guard = w.writable().await.unwrap();
                guard.get_inner().write_all(chunk).unwrap();
                guard.retain_ready();
            }
        };
        let (got, ()) = join!(reader, writer);
        assert_eq!(got, b"helloworld");
        // Nothing left: a cleared guard makes the next try report WouldBlock honestly.
        let mut buf = [0u8; 4];
        assert_eq!(
            r.get_ref().read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        let file = r.into_inner();
        drop(file);
    });
}

#[test]
fn async_io_and_mut_guard() {
    block_on(async {
        let (r, w) = pipe();
        // SAFETY: the `AsyncFd` owns the read end of a fresh pipe, so the descriptor stays
        // open while registered and nothing else registers it.
        let mut r = unsafe { AsyncFd::register(r) }.unwrap();
        (&w).write_all(b"abc").unwrap();
        let n = r
            .async_io(Interest::READABLE, |f| {
                let mut b = [0u8; 8];
                (&*f).read(&mut b)
            })
            .await
            .unwrap();
        assert_eq!(n, 3);
        (&w).write_all(b"d").unwrap();
        let mut guard = r.readable_mut().await.unwrap();
        let mut b = [0u8; 8];
        assert_eq!(guard.get_inner_mut().read(&mut b).unwrap(), 1);
        guard.clear_ready_matching(Ready::READABLE);
        assert!(guard.ready().is_empty());
        drop(guard);
        drop(w);
        // Writer closed: readable with end of file.
        let guard = r.readable().await.unwrap();
        assert!(guard.ready().is_readable());
        drop(guard);
        assert_eq!(r.get_ref().read(&mut b).unwrap(), 0);
    });
}

/// An object whose "fd" the poller rejects.
#[derive(Debug)]
struct NotAnFd;

impl std::os::fd::AsRawFd for NotAnFd {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        -1
    }
}

#[test]
fn failed_registration_hands_the_object_back() {
    block_on(async {
        let original = std::sync::Arc::new(NotAnFd);
        // SAFETY: registration of -1 fails before anything relies on the fd.
        let err = unsafe { AsyncFd::register(original.clone()) }.unwrap_err();
        let msg = err.to_string();
        let (back, cause) = err.into_parts();
        assert!(std::sync::Arc::ptr_eq(&original, &back));
        assert_eq!(cause.to_string(), msg);
        assert_eq!(cause.raw_os_error(), Some(libc::EBADF));

        // SAFETY: as above.
        let err = unsafe { AsyncFd::register_with_interest(original.clone(), Interest::READABLE) }
            .unwrap_err();
        assert!(std::error::Error::source(&err).is_some());
        let as_io: std::io::Error = err.into();
        assert_eq!(as_io.raw_os_error(), Some(libc::EBADF));

        #[allow(deprecated)]
        {
            let (back, _) = AsyncFd::try_new(original.clone()).unwrap_err().into_parts();
            assert!(std::sync::Arc::ptr_eq(&original, &back));
            let (back, _) = AsyncFd::try_with_interest(original.clone(), Interest::WRITABLE)
                .unwrap_err()
                .into_parts();
            assert!(std::sync::Arc::ptr_eq(&original, &back));
            assert!(AsyncFd::new(NotAnFd).is_err());
        }
    });
}

#[test]
fn try_io_runs_only_when_ready_and_clears_on_would_block() {
    block_on(async {
        let (r, mut w) = pipe();
        // SAFETY: `r` owns its fd, which stays open while it is inside the `AsyncFd`.
        let mut fd = unsafe { AsyncFd::register_with_interest(r, Interest::READABLE) }.unwrap();
        let calls = std::cell::Cell::new(0);
        let mut buf = [0u8; 8];
        let mut read = |inner: &File| {
            calls.set(calls.get() + 1);
            (&*inner).read(&mut buf)
        };
        // Not ready yet: `f` is not even called.
        assert_eq!(
            fd.try_io(Interest::READABLE, &mut read).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert_eq!(calls.get(), 0);

        w.write_all(b"abc").unwrap();
        fd.readable().await.unwrap().retain_ready();
        assert_eq!(fd.try_io(Interest::READABLE, &mut read).unwrap(), 3);
        // Drained: the syscall says WouldBlock, which clears the readiness...
        assert_eq!(
            fd.try_io(Interest::READABLE, &mut read).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert_eq!(calls.get(), 2);
        // ... so the next try does not call `f`.
        assert!(fd.try_io(Interest::READABLE, &mut read).is_err());
        assert_eq!(calls.get(), 2);

        w.write_all(b"de").unwrap();
        fd.readable().await.unwrap().retain_ready();
        let mut buf2 = [0u8; 8];
        let n = fd
            .try_io_mut(Interest::READABLE, |inner| inner.read(&mut buf2))
            .unwrap();
        assert_eq!(&buf2[..n], b"de");
    });
}
