//! UdpSocket: connected and unconnected datagrams, peeking, polling and try_ forms.

mod support;

use std::io::ErrorKind;
use std::sync::Arc;

use futures::future::poll_fn;
use futures::join;
use magpie_reactor::io::ReadBuf;
use magpie_reactor::net::UdpSocket;
use support::block_on;

#[test]
fn send_to_recv_from_and_peek() {
    block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        assert_eq!(a.send_to(b"ping", b_addr).await.unwrap(), 4);
        let mut buf = [0u8; 16];
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], a_addr));
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], a_addr));
        assert_eq!(
            b.try_recv_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        b.send_to(b"pong", ("127.0.0.1", a_addr.port()))
            .await
            .unwrap();
        let (n, _) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"pong");
    });
}

#[test]
fn connected_send_recv_and_poll_forms() {
    block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        let (sent, got) = join!(a.send(b"one"), async {
            let mut buf = [0u8; 8];
            let n = b.recv(&mut buf).await.unwrap();
            buf[..n].to_vec()
        });
        assert_eq!(sent.unwrap(), 3);
        assert_eq!(got, b"one");

        poll_fn(|cx| a.poll_send(cx, b"two")).await.unwrap();
        let mut storage = [0u8; 8];
        let mut rb = ReadBuf::new(&mut storage);
        poll_fn(|cx| b.poll_recv(cx, &mut rb)).await.unwrap();
        assert_eq!(rb.filled(), b"two");

        let target = b.local_addr().unwrap();
        poll_fn(|cx| a.poll_send_to(cx, b"three", target))
            .await
            .unwrap();
        let mut storage = [0u8; 8];
        let mut rb = ReadBuf::new(&mut storage);
        let from = poll_fn(|cx| b.poll_recv_from(cx, &mut rb)).await.unwrap();
        assert_eq!(
            (rb.filled(), from),
            (&b"three"[..], a.local_addr().unwrap())
        );

        a.writable().await.unwrap();
        assert_eq!(a.try_send(b"four").unwrap(), 4);
        b.readable().await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(b.try_recv(&mut buf).unwrap(), 4);
    });
}

#[test]
fn shared_socket_many_waiters() {
    block_on(async {
        let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        // Two receivers wait on one socket through `&self` at the same time.
        let recv = |s: Arc<UdpSocket>| async move {
            let mut buf = [0u8; 8];
            s.recv_from(&mut buf).await.unwrap().0
        };
        let send = async {
            client.send_to(b"a", addr).await.unwrap();
            client.send_to(b"bb", addr).await.unwrap();
        };
        let (x, y, ()) = join!(recv(server.clone()), recv(server.clone()), send);
        assert_eq!(x + y, 3);
    });
}

#[test]
fn options_and_std_round_trip() {
    block_on(async {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        s.set_broadcast(true).unwrap();
        assert!(s.broadcast().unwrap());
        s.set_ttl(9).unwrap();
        assert_eq!(s.ttl().unwrap(), 9);
        let addr = s.local_addr().unwrap();
        let std = s.into_std().unwrap();
        assert_eq!(std.local_addr().unwrap(), addr);
        let s = UdpSocket::from_std(std).unwrap();
        assert_eq!(s.peer_addr().unwrap_err().kind(), ErrorKind::NotConnected);
    });
}

#[test]
fn buf_receives_peeks_and_peek_sender() {
    block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        a.connect(b_addr).await.unwrap();
        b.connect(a_addr).await.unwrap();

        let mut buf = Vec::with_capacity(32);
        assert_eq!(
            b.try_recv_buf_from(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        assert_eq!(
            b.try_peek_sender().unwrap_err().kind(),
            ErrorKind::WouldBlock
        );

        for msg in [&b"alpha"[..], b"beta", b"gamma", b"delta"] {
            a.send(msg).await.unwrap();
        }
        // Peeking, in every form, leaves the datagram queued.
        assert_eq!(b.peek_sender().await.unwrap(), a_addr);
        assert_eq!(poll_fn(|cx| b.poll_peek_sender(cx)).await.unwrap(), a_addr);
        assert_eq!(b.try_peek_sender().unwrap(), a_addr);
        let mut p = [0u8; 8];
        assert_eq!(b.peek(&mut p).await.unwrap(), 5);
        assert_eq!(b.try_peek(&mut p).unwrap(), 5);
        let mut rb = ReadBuf::new(&mut p);
        poll_fn(|cx| b.poll_peek(cx, &mut rb)).await.unwrap();
        assert_eq!(rb.filled(), b"alpha");

        assert_eq!(b.recv_buf(&mut buf).await.unwrap(), 5);
        let (n, from) = b.recv_buf_from(&mut buf).await.unwrap();
        assert_eq!((n, from), (4, a_addr));
        b.readable().await.unwrap();
        let (n, from) = b.try_recv_buf_from(&mut buf).unwrap();
        assert_eq!((n, from), (5, a_addr));
        assert_eq!(&buf[..], b"alphabetagamma");
        // A full buffer truncates the datagram to its spare room.
        let mut small = bytes::BytesMut::with_capacity(2);
        let room = small.capacity();
        let n = b.recv_buf(&mut small).await.unwrap();
        assert_eq!(n, room.min(5));
        assert_eq!(&small[..], &b"delta"[..n]);
    });
}

#[test]
fn more_socket_options() {
    block_on(async {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        s.set_multicast_ttl_v4(7).unwrap();
        assert_eq!(s.multicast_ttl_v4().unwrap(), 7);
        s.set_tos_v4(0x10).unwrap();
        assert_eq!(s.tos_v4().unwrap(), 0x10);
        #[cfg(target_os = "linux")]
        assert_eq!(s.device().unwrap(), None);

        let s6 = match UdpSocket::bind("[::1]:0").await {
            Ok(s) => s,
            Err(_) => return, // no IPv6 on this host
        };
        s6.set_multicast_loop_v6(false).unwrap();
        assert!(!s6.multicast_loop_v6().unwrap());
        s6.set_multicast_loop_v6(true).unwrap();
        assert!(s6.multicast_loop_v6().unwrap());
        #[cfg(target_os = "linux")]
        {
            s6.set_tclass_v6(0x20).unwrap();
            assert_eq!(s6.tclass_v6().unwrap(), 0x20);
        }
    });
}
