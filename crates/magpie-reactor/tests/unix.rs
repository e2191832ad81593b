//! Unix-domain sockets: listener/stream, pairs, split halves, datagrams.

#![cfg(unix)]

mod support;

use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::poll_fn;
use futures::join;
use magpie_reactor::io::{AsyncRead, AsyncWrite, ReadBuf};
use magpie_reactor::net::{UnixDatagram, UnixListener, UnixStream};
use support::block_on;

fn sock_path(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "magpie-{}-{}-{}.sock",
        tag,
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_file(&p);
    p
}

async fn read_some(s: &mut (impl AsyncRead + Unpin), buf: &mut [u8]) -> std::io::Result<usize> {
    let mut rb = ReadBuf::new(buf);
    poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_read(cx, &mut rb)).await?;
    Ok(rb.filled().len())
}

async fn write_all(s: &mut (impl AsyncWrite + Unpin), mut buf: &[u8]) {
    while !buf.is_empty() {
        let n = poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_write(cx, buf))
            .await
            .unwrap();
        buf = &buf[n..];
    }
}

#[test]
fn listener_accepts_and_streams_echo() {
    let path = sock_path("listen");
    block_on(async {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let (client, accepted) = join!(UnixStream::connect(&path), listener.accept());
        let mut client = client.unwrap();
        let (mut server, _) = accepted.unwrap();
        write_all(&mut client, b"hello unix").await;
        let mut buf = [0u8; 32];
        let mut got = 0;
        while got < 10 {
            got += read_some(&mut server, &mut buf[got..]).await.unwrap();
        }
        assert_eq!(&buf[..10], b"hello unix");
        assert_eq!(
            client.peer_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let (accepted, c2) = join!(
            poll_fn(|cx| listener.poll_accept(cx)),
            UnixStream::connect(&path)
        );
        accepted.unwrap();
        c2.unwrap();
    });
    let _ = std::fs::remove_file(&path);
}

#[test]
fn connect_to_missing_path_fails() {
    block_on(async {
        let err = UnixStream::connect(sock_path("missing")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    });
}

#[test]
fn pair_split_and_try_io() {
    block_on(async {
        let (mut a, b) = UnixStream::pair().unwrap();
        let cred = a.peer_cred().unwrap();
        // SAFETY: getuid has no preconditions.
        assert_eq!(cred.uid(), unsafe { libc::getuid() });
        #[cfg(target_os = "linux")]
        assert_eq!(cred.pid(), Some(std::process::id() as i32));
        let (mut r, mut w) = a.split();
        b.writable().await.unwrap();
        assert_eq!(b.try_write(b"xy").unwrap(), 2);
        let mut buf = [0u8; 4];
        assert_eq!(read_some(&mut r, &mut buf).await.unwrap(), 2);
        write_all(&mut w, b"back").await;
        b.readable().await.unwrap();
        assert_eq!(b.try_read(&mut buf).unwrap(), 4);
        assert_eq!(
            b.try_read(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );

        let (ar, aw) = a.into_split();
        drop(aw); // shuts our write side down
        let mut b = b;
        assert_eq!(read_some(&mut b, &mut buf).await.unwrap(), 0);
        let (c, d) = UnixStream::pair().unwrap();
        let (cr, cw) = c.into_split();
        let err = ar.reunite(cw).unwrap_err();
        drop((err, cr, d));
    });
}

#[test]
fn datagrams() {
    let pa = sock_path("dga");
    let pb = sock_path("dgb");
    block_on(async {
        let a = UnixDatagram::bind(&pa).unwrap();
        let b = UnixDatagram::bind(&pb).unwrap();
        a.send_to(b"to b", &pb).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"to b");
        assert_eq!(from.as_pathname(), Some(pa.as_path()));
        let (x, y) = UnixDatagram::pair().unwrap();
        x.send(b"p").await.unwrap();
        assert_eq!(y.recv(&mut buf).await.unwrap(), 1);
        assert_eq!(
            y.try_recv(&mut buf).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
        let u = UnixDatagram::unbound().unwrap();
        u.connect(&pb).unwrap();
        u.send(b"conn").await.unwrap();
        let mut storage = [0u8; 8];
        let mut rb = ReadBuf::new(&mut storage);
        poll_fn(|cx| b.poll_recv(cx, &mut rb)).await.unwrap();
        assert_eq!(rb.filled(), b"conn");
    });
    let _ = std::fs::remove_file(&pa);
    let _ = std::fs::remove_file(&pb);
}
