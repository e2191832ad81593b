//! The Unix-domain API beyond the basics: `UnixDatagram`'s `BufMut` receives, poll-based
//! send/receive and readiness; `UnixSocket` set-up; connecting and binding by
//! `SocketAddr`; sender addresses of every kind.

#![cfg(unix)]

mod support;

use std::io::ErrorKind;
use std::os::unix::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use futures::future::poll_fn;
use magpie_reactor::io::ReadBuf;
use magpie_reactor::net::{UnixDatagram, UnixListener, UnixSocket, UnixStream};
use support::block_on;

fn sock_path(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "magpie-api-{}-{}-{}.sock",
        tag,
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn datagram_buf_receives_advance_the_buffer_and_report_the_sender() {
    block_on(async {
        let (rx_path, tx_path) = (sock_path("rx"), sock_path("tx"));
        let rx = UnixDatagram::bind(&rx_path).unwrap();
        let tx = UnixDatagram::bind(&tx_path).unwrap();

        // Nothing queued: the try_ forms say WouldBlock and leave the buffer alone.
        let mut buf = Vec::with_capacity(64);
        assert_eq!(
            rx.try_recv_buf_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert_eq!(
            rx.try_recv_buf(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert!(buf.is_empty());

        tx.send_to(b"one", &rx_path).await.unwrap();
        tx.send_to(b"two!", &rx_path).await.unwrap();
        tx.send_to(b"three", &rx_path).await.unwrap();
        tx.send_to(b"four", &rx_path).await.unwrap();

        let (n, from) = rx.recv_buf_from(&mut buf).await.unwrap();
        assert_eq!((n, &buf[..]), (3, &b"one"[..]));
        assert_eq!(from.as_pathname(), Some(tx_path.as_path()));

        // Appends after what is there, one datagram per call.
        rx.readable().await.unwrap();
        let (n, from) = rx.try_recv_buf_from(&mut buf).unwrap();
        assert_eq!((n, &buf[..]), (4, &b"onetwo!"[..]));
        assert_eq!(from.as_pathname(), Some(tx_path.as_path()));

        let mut b2 = bytes::BytesMut::with_capacity(16);
        assert_eq!(rx.recv_buf(&mut b2).await.unwrap(), 5);
        rx.readable().await.unwrap();
        assert_eq!(rx.try_recv_buf(&mut b2).unwrap(), 4);
        assert_eq!(&b2[..], b"threefour");

        std::fs::remove_file(&rx_path).unwrap();
        std::fs::remove_file(&tx_path).unwrap();
    });
}

#[test]
fn datagram_sender_from_a_pair_is_unnamed() {
    block_on(async {
        let (a, b) = UnixDatagram::pair().unwrap();
        a.send(b"hi").await.unwrap();
        let mut buf = Vec::with_capacity(8);
        let (n, from) = b.recv_buf_from(&mut buf).await.unwrap();
        assert_eq!(n, 2);
        assert!(from.is_unnamed());
    });
}

#[test]
fn datagram_poll_send_to_and_poll_recv_from() {
    block_on(async {
        let rx_path = sock_path("prx");
        let rx = UnixDatagram::bind(&rx_path).unwrap();
        let tx = UnixDatagram::unbound().unwrap();

        // Nothing queued yet: readiness polls Pending (after the first read clears it).
        let mut storage = [0u8; 16];
        let mut rb = ReadBuf::new(&mut storage);
        let first = poll_fn(|cx| Poll::Ready(rx.poll_recv_from(cx, &mut rb))).await;
        assert!(first.is_pending());
        let pending = poll_fn(|cx| Poll::Ready(rx.poll_recv_ready(cx))).await;
        assert!(pending.is_pending());

        poll_fn(|cx| tx.poll_send_ready(cx)).await.unwrap();
        let n = poll_fn(|cx| tx.poll_send_to(cx, b"polled", &rx_path))
            .await
            .unwrap();
        assert_eq!(n, 6);

        poll_fn(|cx| rx.poll_recv_ready(cx)).await.unwrap();
        let from = poll_fn(|cx| rx.poll_recv_from(cx, &mut rb)).await.unwrap();
        assert_eq!(rb.filled(), b"polled");
        assert!(from.is_unnamed());

        // A missing target is an error, not a hang.
        let err = poll_fn(|cx| tx.poll_send_to(cx, b"x", sock_path("nobody")))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        std::fs::remove_file(&rx_path).unwrap();
    });
}

#[test]
fn unix_socket_becomes_listener_stream_and_datagram() {
    block_on(async {
        let path = sock_path("us");
        let server = UnixSocket::new_stream().unwrap();
        server.bind(&path).unwrap();
        let listener = server.listen(16).unwrap();

        let client_path = sock_path("usc");
        let client = UnixSocket::new_stream().unwrap();
        client.bind(&client_path).unwrap();
        let (connected, accepted) = futures::join!(client.connect(&path), listener.accept());
        let connected = connected.unwrap();
        let (accepted, peer) = accepted.unwrap();
        assert_eq!(peer.as_pathname(), Some(client_path.as_path()));
        connected.writable().await.unwrap();
        connected.try_write(b"ok").unwrap();
        accepted.readable().await.unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(accepted.try_read(&mut buf).unwrap(), 2);

        let dpath = sock_path("ud");
        let d = UnixSocket::new_datagram().unwrap();
        d.bind(&dpath).unwrap();
        let d = d.datagram().unwrap();
        assert_eq!(d.local_addr().unwrap().as_pathname(), Some(dpath.as_path()));

        for p in [&path, &client_path, &dpath] {
            std::fs::remove_file(p).unwrap();
        }
    });
}

#[test]
fn unix_socket_refuses_the_wrong_kind() {
    block_on(async {
        let err = UnixSocket::new_datagram().unwrap().listen(1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "listen cannot be called on a datagram socket"
        );
        let err = UnixSocket::new_datagram()
            .unwrap()
            .connect(sock_path("none"))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "connect cannot be called on a datagram socket"
        );
        let err = UnixSocket::new_stream().unwrap().datagram().unwrap_err();
        assert_eq!(
            err.to_string(),
            "datagram cannot be called on a stream socket"
        );
        // Connecting nowhere is the OS's error, after the socket was consumed.
        let err = UnixSocket::new_stream()
            .unwrap()
            .connect(sock_path("none"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    });
}

#[test]
fn bind_addr_and_connect_addr_by_path() {
    block_on(async {
        let path = sock_path("addr");
        let addr = SocketAddr::from_pathname(&path).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let (client, accepted) = futures::join!(UnixStream::connect_addr(&addr), listener.accept());
        let client = client.unwrap();
        let (server, _) = accepted.unwrap();
        assert_eq!(
            client.peer_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        drop(server);

        // Binding the same path again fails; connecting after it is gone fails.
        assert!(UnixListener::bind_addr(&addr).is_err());
        drop(listener);
        std::fs::remove_file(&path).unwrap();
        let err = UnixStream::connect_addr(&addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    });
}

#[cfg(target_os = "linux")]
#[test]
fn bind_addr_and_connect_addr_by_abstract_name() {
    use std::os::linux::net::SocketAddrExt;
    block_on(async {
        let name = format!("magpie-abstract-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixListener::bind_addr(&addr).unwrap();
        let (client, accepted) = futures::join!(UnixStream::connect_addr(&addr), listener.accept());
        let client = client.unwrap();
        accepted.unwrap();
        assert_eq!(
            client.peer_addr().unwrap().as_abstract_name(),
            Some(name.as_bytes())
        );
    });
}

#[test]
fn pairs_start_writable_and_accepted_streams_ready() {
    block_on(async {
        let (a, _b) = UnixStream::pair().unwrap();
        assert!(matches!(
            poll_fn(|cx| Poll::Ready(a.poll_write_ready(cx))).await,
            Poll::Ready(Ok(()))
        ));
        // Nothing was sent: the read side is not assumed.
        assert!(poll_fn(|cx| Poll::Ready(a.poll_read_ready(cx)))
            .await
            .is_pending());
        let (d, _e) = UnixDatagram::pair().unwrap();
        assert!(matches!(
            poll_fn(|cx| Poll::Ready(d.poll_send_ready(cx))).await,
            Poll::Ready(Ok(()))
        ));

        let path = sock_path("acc");
        let listener = UnixListener::bind(&path).unwrap();
        let (client, accepted) = futures::join!(UnixStream::connect(&path), listener.accept());
        let _client = client.unwrap();
        let (server, _) = accepted.unwrap();
        assert!(matches!(
            poll_fn(|cx| Poll::Ready(server.poll_read_ready(cx))).await,
            Poll::Ready(Ok(()))
        ));
        assert_eq!(
            server.try_read(&mut [0u8; 4]).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        std::fs::remove_file(&path).unwrap();
    });
}

/// A path starting with NUL names a Linux abstract socket, for bind, connect and send_to.
#[cfg(target_os = "linux")]
#[test]
fn nul_prefixed_paths_are_abstract_names() {
    use std::os::linux::net::SocketAddrExt;
    block_on(async {
        let name = format!("\0magpie-nul-{}", std::process::id());
        let listener = UnixListener::bind(&name).unwrap();
        let (client, accepted) = futures::join!(UnixStream::connect(&name), listener.accept());
        client.unwrap();
        accepted.unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_abstract_name(),
            Some(&name.as_bytes()[1..])
        );

        let dname = format!("\0magpie-nul-dgram-{}", std::process::id());
        let rx = UnixDatagram::bind(&dname).unwrap();
        let tx = UnixDatagram::unbound().unwrap();
        tx.send_to(b"abs", &dname).await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(rx.recv(&mut buf).await.unwrap(), 3);
        tx.writable().await.unwrap();
        tx.try_send_to(b"again", &dname).unwrap();
        assert_eq!(rx.recv(&mut buf).await.unwrap(), 5);
    });
}

#[test]
fn unix_split_halves_try_read_buf_and_vectored() {
    block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (rd, _wr) = b.into_split();
        a.writable().await.unwrap();
        a.try_write(b"hello").unwrap();
        rd.readable().await.unwrap();
        let mut v = Vec::with_capacity(2);
        assert_eq!(rd.try_read_buf(&mut v).unwrap(), 2);
        let mut rest = [0u8; 8];
        assert_eq!(
            rd.try_read_vectored(&mut [std::io::IoSliceMut::new(&mut rest)])
                .unwrap(),
            3
        );
        assert_eq!(&rest[..3], b"llo");

        let (a, mut b) = UnixStream::pair().unwrap();
        let (rd, _wr) = b.split();
        a.writable().await.unwrap();
        a.try_write(b"z").unwrap();
        rd.readable().await.unwrap();
        let mut v = Vec::with_capacity(4);
        assert_eq!(rd.try_read_buf(&mut v).unwrap(), 1);
    });
}
