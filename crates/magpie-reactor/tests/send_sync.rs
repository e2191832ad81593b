//! Compile-time checks: the public types are `Send + Sync` and their futures are `Send`,
//! so they can be used from spawned tasks on a multi-threaded runtime.

use std::future::Future;

use magpie_reactor::fs::{File, ReadDir};
use magpie_reactor::net::{
    tcp, unix, TcpListener, TcpSocket, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};
use magpie_reactor::{AsyncFd, Handle, Interest, Reactor, Ready};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>(_: &T) {}

#[allow(dead_code)]
fn futures_are_send(
    l: &TcpListener,
    s: &TcpStream,
    u: &UdpSocket,
    f: &File,
    d: &mut ReadDir,
    fd: &AsyncFd<std::fs::File>,
) {
    send(&l.accept());
    send(&TcpStream::connect("localhost:80"));
    send(&TcpListener::bind(("127.0.0.1", 0)));
    send(&s.readable());
    send(&s.ready(Interest::READABLE));
    let mut buf = [0u8; 4];
    send(&s.peek(&mut buf));
    send(&u.recv_from(&mut buf));
    send(&u.send_to(b"x", "127.0.0.1:9"));
    send(&f.sync_all());
    send(&d.next_entry());
    send(&magpie_reactor::fs::read("x"));
    send(&magpie_reactor::net::lookup_host("localhost:1"));
    send(&fd.readable());
    send(&UnixStream::connect("/tmp/x"));
}

#[test]
fn public_types_are_send_and_sync() {
    send_sync::<TcpListener>();
    send_sync::<TcpStream>();
    send_sync::<TcpSocket>();
    send_sync::<tcp::OwnedReadHalf>();
    send_sync::<tcp::OwnedWriteHalf>();
    send_sync::<tcp::ReadHalf<'static>>();
    send_sync::<tcp::WriteHalf<'static>>();
    send_sync::<UdpSocket>();
    send_sync::<UnixListener>();
    send_sync::<UnixStream>();
    send_sync::<UnixDatagram>();
    send_sync::<unix::OwnedReadHalf>();
    send_sync::<unix::OwnedWriteHalf>();
    send_sync::<File>();
    send_sync::<ReadDir>();
    send_sync::<AsyncFd<std::fs::File>>();
    send_sync::<Handle>();
    send_sync::<Interest>();
    send_sync::<Ready>();
    fn send_only<T: Send>() {}
    send_only::<Reactor>();
    let _ = futures_are_send as fn(_, _, _, _, _, _);
    fn is_future<F: Future>(_: F) {}
    is_future(async {});
}

/// A `Send` but not `Sync` descriptor owner.
struct SendOnlyFd(std::fs::File, std::marker::PhantomData<std::cell::Cell<u8>>);

impl std::os::fd::AsRawFd for SendOnlyFd {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}

/// As tokio's: waiting with `&mut` access needs only `T: Send` for the future to be `Send`.
#[allow(dead_code)]
fn mut_readiness_futures_need_only_send(fd: &mut AsyncFd<SendOnlyFd>) {
    send(&fd.readable_mut());
    send(&fd.writable_mut());
    send(&fd.ready_mut(Interest::READABLE));
}

fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}

/// As tokio's, the socket types may be used across `catch_unwind`.
#[test]
fn socket_types_are_unwind_safe() {
    unwind_safe::<TcpListener>();
    unwind_safe::<TcpSocket>();
    unwind_safe::<TcpStream>();
    unwind_safe::<UdpSocket>();
    unwind_safe::<UnixDatagram>();
    unwind_safe::<UnixListener>();
    unwind_safe::<UnixStream>();
}
