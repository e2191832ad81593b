//! TCP listener and stream behaviour, including the failure cases a server meets.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::pin::pin;
use std::task::Poll;

use futures::future::poll_fn;
use futures::join;
use magpie_reactor::io::{AsyncRead, AsyncWrite, ReadBuf};
use magpie_reactor::net::{TcpListener, TcpSocket, TcpStream};
use magpie_reactor::Interest;
use support::block_on;

async fn read_some(s: &mut (impl AsyncRead + Unpin), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut rb = ReadBuf::new(buf);
    poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_read(cx, &mut rb)).await?;
    Ok(rb.filled().len())
}

async fn write_some(s: &mut (impl AsyncWrite + Unpin), buf: &[u8]) -> std::io::Result<usize> {
    poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_write(cx, buf)).await
}

async fn write_all(s: &mut (impl AsyncWrite + Unpin), mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = write_some(s, buf).await?;
        assert!(n > 0);
        buf = &buf[n..];
    }
    Ok(())
}

async fn read_to_end(s: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = read_some(s, &mut buf).await?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

async fn shutdown(s: &mut (impl AsyncWrite + Unpin)) -> std::io::Result<()> {
    poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_shutdown(cx)).await
}

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), accepted.unwrap().0)
}

#[test]
fn echo_round_trip() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = async {
            let (mut s, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, s.peer_addr().unwrap());
            let data = read_to_end(&mut s).await.unwrap();
            write_all(&mut s, &data).await.unwrap();
            shutdown(&mut s).await.unwrap();
        };
        let client = async {
            let mut c = TcpStream::connect(addr).await.unwrap();
            assert_eq!(c.peer_addr().unwrap(), addr);
            let msg: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
            write_all(&mut c, &msg).await.unwrap();
            shutdown(&mut c).await.unwrap();
            let back = read_to_end(&mut c).await.unwrap();
            assert_eq!(back, msg);
        };
        join!(server, client);
    });
}

#[test]
fn connect_by_host_name() {
    block_on(async {
        let listener = TcpListener::bind("localhost:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (c, a) = join!(TcpStream::connect(("localhost", port)), listener.accept());
        c.unwrap();
        a.unwrap();
    });
}

#[test]
fn connection_refused() {
    block_on(async {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn bind_used_port_fails() {
    block_on(async {
        let a = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = TcpListener::bind(a.local_addr().unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AddrInUse);
    });
}

#[test]
fn peer_reset_mid_read() {
    block_on(async {
        let (mut client, server) = pair().await;
        let reader = async {
            let mut buf = [0u8; 64];
            // The first read waits; the reset arrives while it is pending.
            read_some(&mut client, &mut buf).await
        };
        let resetter = async {
            server.set_linger(Some(std::time::Duration::ZERO)).unwrap();
            drop(server);
        };
        let (res, ()) = join!(reader, resetter);
        assert_eq!(res.unwrap_err().kind(), ErrorKind::ConnectionReset);
    });
}

#[test]
fn read_after_shutdown() {
    block_on(async {
        let (mut client, mut server) = pair().await;
        shutdown(&mut client).await.unwrap();
        let mut buf = [0u8; 16];
        // The peer sees end of stream, again and again.
        assert_eq!(read_some(&mut server, &mut buf).await.unwrap(), 0);
        assert_eq!(read_some(&mut server, &mut buf).await.unwrap(), 0);
        // Our read side still works after shutting our write side down.
        write_all(&mut server, b"late").await.unwrap();
        assert_eq!(read_some(&mut client, &mut buf).await.unwrap(), 4);
        // Writing after our own shutdown is an error, not a crash.
        let err = write_some(&mut client, b"x").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn write_to_closed_peer_is_an_error_not_sigpipe() {
    block_on(async {
        let (mut client, server) = pair().await;
        drop(server);
        let chunk = [7u8; 65536];
        let err = loop {
            match write_some(&mut client, &chunk).await {
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert!(
            matches!(
                err.kind(),
                ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
            ),
            "{err:?}"
        );
    });
}

#[test]
fn dropping_a_stream_while_waiting() {
    let mut reactor = support::reactor();
    let (client, server) = support::block_on_with(&mut reactor, pair());
    {
        let _g = reactor.handle().enter();
        let mut waiting = Box::pin(client.readable());
        assert!(support::poll_once(&mut waiting).is_pending());
        drop(waiting);
        drop(client);
    }
    // Events for the dropped socket must not disturb a new socket in the reused slot.
    drop(server);
    support::block_on_with(&mut reactor, async {
        let (mut a, mut b) = pair().await;
        write_all(&mut a, b"ok").await.unwrap();
        let mut buf = [0u8; 2];
        assert_eq!(read_some(&mut b, &mut buf).await.unwrap(), 2);
    });
}

#[test]
fn accept_is_cancel_safe() {
    let mut reactor = support::reactor();
    support::block_on_with(&mut reactor, async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // An accept that is polled, left pending, then dropped loses nothing.
        {
            let mut pending = Box::pin(listener.accept());
            assert!(support::poll_once(&mut pending).is_pending());
        }
        let peer = std::thread::spawn(move || std::net::TcpStream::connect(addr).unwrap());
        let (_s, from) = listener.accept().await.unwrap();
        let client = peer.join().unwrap();
        assert_eq!(from, client.local_addr().unwrap());
    });
}

#[test]
fn many_waiters_on_one_stream() {
    block_on(async {
        let (client, server) = pair().await;
        // Several tasks await readiness of one stream through `&self` at once.
        let waits = futures::future::join_all((0..5).map(|_| server.readable()));
        let poke = async {
            client.writable().await.unwrap();
            client.try_write(b"!").unwrap();
        };
        let (results, ()) = join!(waits, poke);
        assert!(results.into_iter().all(|r| r.is_ok()));
    });
}

#[test]
fn readiness_and_try_io() {
    block_on(async {
        let (client, server) = pair().await;
        client.writable().await.unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(
            server.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert_eq!(client.try_write(b"hello").unwrap(), 5);
        let ready = server.ready(Interest::READABLE).await.unwrap();
        assert!(ready.is_readable());
        let mut peek = [0u8; 5];
        assert_eq!(server.peek(&mut peek).await.unwrap(), 5);
        assert_eq!(&peek, b"hello");
        server.readable().await.unwrap();
        let mut bufs = [std::io::IoSliceMut::new(&mut buf)];
        assert_eq!(server.try_read_vectored(&mut bufs).unwrap(), 5);
        assert_eq!(&buf[..5], b"hello");
        let parts = [std::io::IoSlice::new(b"ab"), std::io::IoSlice::new(b"cd")];
        assert_eq!(client.try_write_vectored(&parts).unwrap(), 4);
        server.readable().await.unwrap();
        assert_eq!(server.try_read(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"abcd");
    });
}

#[test]
fn poll_peek_fills_without_consuming() {
    block_on(async {
        let (client, mut server) = pair().await;
        client.writable().await.unwrap();
        client.try_write(b"xyz").unwrap();
        let mut b = [0u8; 8];
        let mut rb = ReadBuf::new(&mut b);
        let n = poll_fn(|cx| server.poll_peek(cx, &mut rb)).await.unwrap();
        assert_eq!(n, 3);
        assert_eq!(rb.filled(), b"xyz");
        let mut again = [0u8; 8];
        assert_eq!(read_some(&mut server, &mut again).await.unwrap(), 3);
    });
}

#[test]
fn options() {
    block_on(async {
        let (client, _server) = pair().await;
        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client
            .set_linger(Some(std::time::Duration::from_secs(1)))
            .unwrap();
        assert_eq!(
            client.linger().unwrap(),
            Some(std::time::Duration::from_secs(1))
        );
        client.set_ttl(42).unwrap();
        assert_eq!(client.ttl().unwrap(), 42);
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.set_ttl(17).unwrap();
        assert_eq!(l.ttl().unwrap(), 17);
    });
}

#[test]
fn split_halves_wait_at_once() {
    block_on(async {
        let (mut client, mut server) = pair().await;
        let (mut r, mut w) = client.split();
        let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        // Server echoes everything back; the client writes and reads concurrently, so its
        // reader and writer both wait on one socket.
        let echo = async {
            let mut buf = vec![0u8; 16384];
            loop {
                let n = read_some(&mut server, &mut buf).await.unwrap();
                if n == 0 {
                    shutdown(&mut server).await.unwrap();
                    break;
                }
                write_all(&mut server, &buf[..n]).await.unwrap();
            }
        };
        let writer = async {
            write_all(&mut w, &big).await.unwrap();
            shutdown(&mut w).await.unwrap();
        };
        let reader = read_to_end(&mut r);
        let ((), (), back) = join!(echo, writer, reader);
        assert_eq!(back.unwrap(), big);
    });
}

#[test]
fn owned_split_and_reunite() {
    block_on(async {
        let (a, _b) = pair().await;
        let (c, _d) = pair().await;
        let (ar, aw) = a.into_split();
        let (cr, cw) = c.into_split();
        let err = ar.reunite(cw).unwrap_err();
        let (ar, cw) = (err.0, err.1);
        let a = ar.reunite(aw).unwrap();
        let c = cr.reunite(cw).unwrap();
        assert_ne!(a.local_addr().unwrap(), c.local_addr().unwrap());
    });
}

#[test]
fn owned_write_half_drop_shuts_down() {
    block_on(async {
        let (a, mut b) = pair().await;
        let (_r, w) = a.into_split();
        drop(w);
        let mut buf = [0u8; 4];
        assert_eq!(read_some(&mut b, &mut buf).await.unwrap(), 0);
    });
}

#[test]
fn std_conversions_and_poll_accept() {
    block_on(async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        let peer = std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            s.write_all(b"from std").unwrap();
            let mut back = Vec::new();
            s.read_to_end(&mut back).unwrap();
            back
        });
        let (stream, _) = poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
        let std_stream = stream.into_std().unwrap();
        let mut stream = TcpStream::from_std(std_stream).unwrap();
        let mut buf = [0u8; 8];
        let mut got = 0;
        while got < 8 {
            got += read_some(&mut stream, &mut buf[got..]).await.unwrap();
        }
        assert_eq!(&buf, b"from std");
        write_all(&mut stream, b"bye").await.unwrap();
        drop(stream);
        assert_eq!(peer.join().unwrap(), b"bye");
        let std_listener = listener.into_std().unwrap();
        assert_eq!(std_listener.local_addr().unwrap(), addr);
    });
}

#[test]
fn tcp_socket_connect_and_listen() {
    block_on(async {
        let s = TcpSocket::new_v4().unwrap();
        s.set_reuseaddr(true).unwrap();
        assert!(s.reuseaddr().unwrap());
        s.set_reuseport(true).unwrap();
        s.set_send_buffer_size(65536).unwrap();
        s.set_recv_buffer_size(65536).unwrap();
        assert!(s.send_buffer_size().unwrap() >= 65536);
        s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = s.local_addr().unwrap();
        let listener = s.listen(16).unwrap();
        let c = TcpSocket::new_v4().unwrap();
        let (client, accepted) = join!(c.connect(addr), listener.accept());
        let client = client.unwrap();
        assert_eq!(client.peer_addr().unwrap(), addr);
        assert_eq!(accepted.unwrap().1, client.local_addr().unwrap());
        let refused: SocketAddr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let err = TcpSocket::new_v4()
            .unwrap()
            .connect(refused)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn registration_outliving_reactor_fails_cleanly() {
    let mut reactor = support::reactor();
    let (mut client, _server) = support::block_on_with(&mut reactor, pair());
    let _g = reactor.handle().enter();
    let mut pending = Box::pin(async {
        let mut buf = [0u8; 4];
        read_some(&mut client, &mut buf).await
    });
    assert!(support::poll_once(&mut pending).is_pending());
    drop(_g);
    drop(reactor);
    match support::poll_once(&mut pending) {
        Poll::Ready(Err(e)) => assert!(
            e.to_string() == "A Tokio 1.x context was found, but it is being shutdown.",
            "{e}"
        ),
        other => panic!("expected a shutdown error, got {other:?}"),
    }
    drop(pending);
    // A new socket on a dead reactor's handle errors too.
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn socket_outside_runtime_panics() {
    let mut fut = pin!(TcpListener::bind("127.0.0.1:0"));
    let _ = support::poll_once(&mut fut);
}

#[test]
#[should_panic(expected = "IO is disabled")]
fn socket_in_runtime_without_io_panics() {
    let _g = magpie_reactor::Handle::enter_disabled();
    let mut fut = pin!(TcpListener::bind("127.0.0.1:0"));
    let _ = support::poll_once(&mut fut);
}

/// Reads sized exactly like the messages fill their buffer, so the stream turns on
/// `TCP_INQ` and clears readiness whenever the kernel says a read drained the socket. A
/// writer thread racing those reads with more messages must never be missed (no hang, no
/// lost byte), and the end of the stream that follows a drained read must still be seen.
#[test]
fn exact_size_reads_racing_a_writer_lose_nothing_and_see_the_end() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sizes: Vec<usize> = (0..2_000).map(|i| 1 + (i * 7919) % 3000).collect();
    let writer_sizes = sizes.clone();
    let writer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_nodelay(true).unwrap();
        for (i, size) in writer_sizes.iter().enumerate() {
            s.write_all(&vec![i as u8; *size]).unwrap();
            if i % 3 == 0 {
                std::thread::yield_now();
            }
        }
        s.shutdown(std::net::Shutdown::Write).unwrap();
    });
    // A readiness cleared while bytes were still queued would leave the reader waiting
    // for an event that never comes: `within` turns that into a failure.
    support::within(
        "the reader (a read cleared readiness with bytes queued?)",
        move || {
            block_on(async {
                let mut s = TcpStream::connect(addr).await.unwrap();
                for (i, size) in sizes.iter().enumerate() {
                    let mut msg = vec![0u8; *size];
                    let mut got = 0;
                    while got < *size {
                        let n = read_some(&mut s, &mut msg[got..]).await.unwrap();
                        assert!(n > 0, "end of stream before message {i}");
                        got += n;
                    }
                    assert!(msg.iter().all(|b| *b == i as u8), "message {i} corrupted");
                }
                let mut rest = [0u8; 16];
                assert_eq!(read_some(&mut s, &mut rest).await.unwrap(), 0);
            })
        },
    );
    writer.join().unwrap();
}

#[test]
fn zero_linger_resets_the_peer() {
    block_on(async {
        let (mut client, server) = pair().await;
        server.set_zero_linger().unwrap();
        assert_eq!(server.linger().unwrap(), Some(std::time::Duration::ZERO));
        drop(server);
        let mut buf = [0u8; 8];
        let err = read_some(&mut client, &mut buf).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionReset);

        let socket = TcpSocket::new_v4().unwrap();
        socket.set_zero_linger().unwrap();
        assert_eq!(socket.linger().unwrap(), Some(std::time::Duration::ZERO));
    });
}

#[cfg(target_os = "linux")]
#[test]
fn quickack_and_socket_tos_options() {
    block_on(async {
        let (client, _server) = pair().await;
        client.set_quickack(true).unwrap();
        assert!(client.quickack().unwrap());
        client.set_quickack(false).unwrap();
        assert!(!client.quickack().unwrap());

        let socket = TcpSocket::new_v4().unwrap();
        socket.set_tos_v4(0x10).unwrap();
        assert_eq!(socket.tos_v4().unwrap(), 0x10);
        assert_eq!(socket.device().unwrap(), None);
        if let Ok(s6) = TcpSocket::new_v6() {
            s6.set_tclass_v6(0x20).unwrap();
            assert_eq!(s6.tclass_v6().unwrap(), 0x20);
        }
    });
}

/// An accepted stream is assumed readable and writable before the poller's first event:
/// the first poll says ready, a read that finds nothing clears it, data makes it ready again.
#[test]
fn accepted_stream_starts_assumed_ready() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = join!(TcpStream::connect(addr), listener.accept());
        let client = client.unwrap();
        let (server, _) = accepted.unwrap();
        let first = poll_fn(|cx| Poll::Ready(server.poll_read_ready(cx))).await;
        assert!(matches!(first, Poll::Ready(Ok(()))));
        assert!(matches!(
            poll_fn(|cx| Poll::Ready(server.poll_write_ready(cx))).await,
            Poll::Ready(Ok(()))
        ));
        assert_eq!(
            server.try_read(&mut [0u8; 4]).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert!(poll_fn(|cx| Poll::Ready(server.poll_read_ready(cx)))
            .await
            .is_pending());
        client.try_write(b"hey").unwrap();
        poll_fn(|cx| server.poll_read_ready(cx)).await.unwrap();
        assert_eq!(server.try_read(&mut [0u8; 4]).unwrap(), 3);
    });
}

/// After the reactor is gone, readiness seen before still lets `try_read` take queued
/// data; once that runs dry it says `WouldBlock`, and a waiting read reports the shutdown
/// instead of hanging.
#[test]
fn queued_data_is_readable_after_reactor_shutdown() {
    let mut reactor = support::reactor();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    client.write_all(b"hello").unwrap();
    listener.set_nonblocking(true).unwrap();
    let (mut server, _) = support::block_on_with(&mut reactor, async {
        let listener = TcpListener::from_std(listener).unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        // Wait until the bytes have arrived, leaving them queued (and readiness set).
        let mut all = [0u8; 5];
        while server.peek(&mut all).await.unwrap() < 5 {}
        (server, peer)
    });
    drop(reactor);
    let mut buf = [0u8; 8];
    assert_eq!(server.try_read(&mut buf).unwrap(), 5);
    assert_eq!(&buf[..5], b"hello");
    assert_eq!(
        server.try_read(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    let mut read = pin!(read_some(&mut server, &mut buf));
    match support::poll_once(&mut read) {
        Poll::Ready(Err(e)) => assert_eq!(
            e.to_string(),
            "A Tokio 1.x context was found, but it is being shutdown."
        ),
        other => panic!("expected a shutdown error, got {other:?}"),
    }
}

#[test]
fn split_halves_try_read_buf_and_vectored() {
    block_on(async {
        let (mut client, server) = pair().await;
        let (rd, _wr) = server.into_split();
        write_all(&mut client, b"abcdefgh").await.unwrap();
        rd.readable().await.unwrap();
        let mut buf = Vec::with_capacity(3);
        let n = rd.try_read_buf(&mut buf).unwrap();
        assert_eq!(&buf[..], &b"abcdefgh"[..n]);
        let (mut a, mut b) = ([0u8; 2], [0u8; 16]);
        let mut total = n;
        while total < 8 {
            rd.readable().await.unwrap();
            match rd.try_read_vectored(&mut [
                std::io::IoSliceMut::new(&mut a),
                std::io::IoSliceMut::new(&mut b),
            ]) {
                Ok(m) => total += m,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(total, 8);

        let (mut client, mut server) = pair().await;
        let (rd, _wr) = server.split();
        write_all(&mut client, b"xy").await.unwrap();
        rd.readable().await.unwrap();
        let mut v = Vec::with_capacity(8);
        assert_eq!(rd.try_read_buf(&mut v).unwrap(), 2);
        assert_eq!(
            rd.try_read_vectored(&mut [std::io::IoSliceMut::new(&mut a)])
                .unwrap_err()
                .kind(),
            ErrorKind::WouldBlock
        );
    });
}
