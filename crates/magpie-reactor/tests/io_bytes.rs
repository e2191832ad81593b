//! `read_buf`, `write_buf` and `write_all_buf` over the `bytes` crate's buffers.

use bytes::{Buf, BytesMut};
use futures::executor::block_on;
use magpie_reactor::io::{AsyncReadExt, AsyncWriteExt, ReadBuf};

#[test]
fn read_buf_appends_and_advances() {
    block_on(async {
        let mut src: &[u8] = b"hello world";
        let mut buf = BytesMut::with_capacity(4);
        let mut total = 0;
        loop {
            buf.reserve(4);
            let n = src.read_buf(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, 11);
        assert_eq!(&buf[..], b"hello world");
    });
}

#[test]
fn read_buf_with_no_room_returns_zero() {
    block_on(async {
        let mut src: &[u8] = b"abc";
        let mut arr = [0u8; 0];
        let mut dst = &mut arr[..];
        assert_eq!(src.read_buf(&mut dst).await.unwrap(), 0);
        assert_eq!(src, b"abc");
    });
}

#[test]
fn write_buf_and_write_all_buf() {
    block_on(async {
        let mut out = Vec::new();
        let mut src = &b"0123456789"[..];
        let n = out.write_buf(&mut src).await.unwrap();
        assert_eq!(n, 10);
        assert_eq!(src.remaining(), 0);
        let mut chained = Buf::chain(&b"ab"[..], &b"cd"[..]);
        out.write_all_buf(&mut chained).await.unwrap();
        assert!(!chained.has_remaining());
        assert_eq!(out, b"0123456789abcd");
    });
}

#[test]
fn write_all_buf_to_a_full_writer_is_write_zero() {
    block_on(async {
        let mut arr = [0u8; 2];
        let mut dst = std::io::Cursor::new(&mut arr[..]);
        let mut src = &b"abcd"[..];
        let err = dst.write_all_buf(&mut src).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
    });
}

#[test]
fn try_read_buf_on_a_socket() {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    let (server, _) = listener.accept().unwrap();
    server.set_nonblocking(true).unwrap();
    client.write_all(b"bytes!").unwrap();
    use magpie_sched::park::Park;
    let mut reactor = magpie_reactor::Reactor::new().unwrap();
    let _enter = reactor.handle().enter();
    let server = magpie_reactor::net::TcpStream::from_std(server).unwrap();
    let mut buf = BytesMut::with_capacity(64);
    // Readiness comes from the reactor: turn it until the data has been seen.
    let n = loop {
        match server.try_read_buf(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                reactor.park_timeout(std::time::Duration::from_millis(10))
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(n, 6);
    assert_eq!(&buf[..], b"bytes!");
}

// ---- ReadBuf as a bytes::BufMut ----

#[test]
fn read_buf_is_a_buf_mut_over_its_unfilled_part() {
    use bytes::BufMut;
    use std::mem::MaybeUninit;

    let mut storage = [0u8; 8];
    let mut rb = ReadBuf::new(&mut storage);
    rb.put_slice(b"ab");
    assert_eq!(rb.remaining_mut(), 6);
    assert_eq!(rb.chunk_mut().len(), 6);
    rb.put_u16(0x0102);
    rb.put_slice(b"cd");
    assert_eq!(rb.filled(), b"ab\x01\x02cd");
    // SAFETY: `new` buffers start initialised.
    unsafe { rb.advance_mut(2) };
    assert_eq!(rb.remaining_mut(), 0);
    assert_eq!(rb.chunk_mut().len(), 0);
    assert_eq!(rb.filled().len(), 8);

    // Over uninitialised memory, writing through `BufMut` initialises as it fills.
    let mut storage = [MaybeUninit::<u8>::uninit(); 6];
    let mut rb = ReadBuf::uninit(&mut storage);
    rb.put_u8(9);
    rb.put_slice(&[1, 2]);
    assert_eq!(rb.filled(), &[9, 1, 2]);
    assert_eq!(rb.initialized().len(), 3);
    rb.chunk_mut().write_byte(0, 7);
    // SAFETY: the byte at the start of `chunk_mut` was just written.
    unsafe { rb.advance_mut(1) };
    assert_eq!(rb.filled(), &[9, 1, 2, 7]);
    assert_eq!(rb.remaining_mut(), 2);
}

#[test]
#[should_panic(expected = "cannot advance past `remaining_mut`")]
fn read_buf_advance_mut_past_the_end_panics() {
    use bytes::BufMut;
    let mut storage = [0u8; 2];
    let mut rb = ReadBuf::new(&mut storage);
    // SAFETY: every byte is initialised; the overlong count itself must panic.
    unsafe { rb.advance_mut(3) };
}
