//! The extension traits' futures against slices, cursors and the trickling test doubles.

mod io_support;

use io_support::{noise, run, Stingy, Trickle};
use magpie_reactor::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, ReadBuf};
use std::io::{self, Cursor, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

// ---- AsyncReadExt ----

#[test]
fn read_returns_partial_and_zero_at_eof() {
    run(async {
        let mut r = Trickle::new(b"hello", 3, true);
        let mut buf = [0u8; 10];
        assert_eq!(r.read(&mut buf).await.unwrap(), 3);
        assert_eq!(&buf[..3], b"hel");
        assert_eq!(r.read(&mut buf).await.unwrap(), 2);
        assert_eq!(r.read(&mut buf).await.unwrap(), 0);
        // An empty buffer reads nothing, even with data left.
        let mut r: &[u8] = b"x";
        assert_eq!(r.read(&mut []).await.unwrap(), 0);
        assert_eq!(r, b"x");
    });
}

#[test]
fn read_exact_fills_across_one_byte_reads() {
    run(async {
        let mut r = Trickle::bytes(b"abcdef");
        let mut buf = [0u8; 4];
        assert_eq!(r.read_exact(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf, b"abcd");
        let mut buf = [0u8; 4];
        let err = r.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(r.read_exact(&mut []).await.unwrap(), 0);
    });
}

#[test]
fn read_exact_propagates_errors() {
    run(async {
        let mut r = Trickle::new(b"ab", 1, false);
        r.fail_at_end = Some(io::ErrorKind::ConnectionReset);
        let mut buf = [0u8; 3];
        let err = r.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    });
}

#[test]
fn read_to_end_appends_and_counts() {
    run(async {
        let data = noise(100_000);
        let mut r = Trickle::new(&data, 4093, true);
        let mut out = b"prefix".to_vec();
        assert_eq!(r.read_to_end(&mut out).await.unwrap(), data.len());
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(&out[6..], &data[..]);
        // At EOF: nothing appended and no growth of a full vector beyond the probe.
        let mut full = Vec::with_capacity(4);
        full.extend_from_slice(b"abcd");
        assert_eq!(r.read_to_end(&mut full).await.unwrap(), 0);
        assert_eq!(full.capacity(), 4);
    });
}

#[test]
fn read_to_end_one_byte_at_a_time() {
    run(async {
        let data = noise(300);
        let mut r = Trickle::bytes(&data);
        let mut out = Vec::new();
        assert_eq!(r.read_to_end(&mut out).await.unwrap(), 300);
        assert_eq!(out, data);
    });
}

#[test]
fn read_to_end_error_keeps_bytes() {
    run(async {
        let mut r = Trickle::new(b"abc", 2, false);
        r.fail_at_end = Some(io::ErrorKind::BrokenPipe);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert_eq!(out, b"abc");
    });
}

#[test]
fn read_to_string_valid_invalid_and_error() {
    run(async {
        let mut s = String::from("é:");
        let mut r = Trickle::new("ünïcödé".as_bytes(), 1, true);
        let n = r.read_to_string(&mut s).await.unwrap();
        assert_eq!(n, "ünïcödé".len());
        assert_eq!(s, "é:ünïcödé");

        let mut s = String::from("keep");
        let mut r: &[u8] = b"ok\xffno";
        let err = r.read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(s, "keep");

        // An I/O error leaves the original contents (as tokio does).
        let mut s = String::from("abc");
        let mut r = Trickle::new(b"def", 3, false);
        r.fail_at_end = Some(io::ErrorKind::Other);
        let err = r.read_to_string(&mut s).await.unwrap_err();
        assert_eq!(err.to_string(), "trickle failure");
        assert_eq!(s, "abc");

        // An I/O error after half a multi-byte char: nothing kept.
        let mut s = String::from("x");
        let mut r = Trickle::new(&"é".as_bytes()[..1], 3, false);
        r.fail_at_end = Some(io::ErrorKind::Other);
        assert!(r.read_to_string(&mut s).await.is_err());
        assert_eq!(s, "x");
    });
}

#[test]
fn read_to_string_cancelled_restores_buffer() {
    let mut s = String::from("orig");
    let mut r = Trickle::bytes(b"data");
    {
        let mut fut = std::pin::pin!(r.read_to_string(&mut s));
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..3 {
            assert!(fut.as_mut().poll(&mut cx).is_pending());
        }
    }
    assert_eq!(s, "orig");
}

use std::future::Future;

#[test]
fn read_numbers_big_and_little_endian() {
    run(async {
        let mut data = Vec::new();
        data.push(0xfe);
        data.push(0x80);
        data.extend_from_slice(&0x1234u16.to_be_bytes());
        data.extend_from_slice(&(-2i16).to_le_bytes());
        data.extend_from_slice(&0xdead_beefu32.to_be_bytes());
        data.extend_from_slice(&(-7i32).to_le_bytes());
        data.extend_from_slice(&u64::MAX.to_be_bytes());
        data.extend_from_slice(&i64::MIN.to_le_bytes());
        data.extend_from_slice(&(u128::MAX - 5).to_be_bytes());
        data.extend_from_slice(&(-99i128).to_le_bytes());
        data.extend_from_slice(&1.5f32.to_be_bytes());
        data.extend_from_slice(&(-0.25f64).to_le_bytes());
        let mut r = Trickle::bytes(&data);
        assert_eq!(r.read_u8().await.unwrap(), 0xfe);
        assert_eq!(r.read_i8().await.unwrap(), -128);
        assert_eq!(r.read_u16().await.unwrap(), 0x1234);
        assert_eq!(r.read_i16_le().await.unwrap(), -2);
        assert_eq!(r.read_u32().await.unwrap(), 0xdead_beef);
        assert_eq!(r.read_i32_le().await.unwrap(), -7);
        assert_eq!(r.read_u64().await.unwrap(), u64::MAX);
        assert_eq!(r.read_i64_le().await.unwrap(), i64::MIN);
        assert_eq!(r.read_u128().await.unwrap(), u128::MAX - 5);
        assert_eq!(r.read_i128_le().await.unwrap(), -99);
        assert_eq!(r.read_f32().await.unwrap(), 1.5);
        assert_eq!(r.read_f64_le().await.unwrap(), -0.25);
        assert_eq!(
            r.read_u8().await.unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
        let mut short: &[u8] = &[1, 2, 3];
        assert_eq!(
            short.read_u32().await.unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    });
}

#[test]
fn chain_reads_first_then_second() {
    run(async {
        let a = Trickle::new(b"abc", 2, true);
        let b: &[u8] = b"def";
        let mut c = a.chain(b);
        let mut out = String::new();
        c.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "abcdef");
        let (first, second) = c.get_ref();
        assert!(first.polls > 0);
        assert!(second.is_empty());
        // An empty read buffer does not skip the first reader.
        let mut c = (&b"x"[..]).chain(&b"y"[..]);
        assert_eq!(c.read(&mut []).await.unwrap(), 0);
        let mut out = Vec::new();
        c.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"xy");
    });
}

#[test]
fn chain_as_buf_read_yields_lines_across_boundary() {
    run(async {
        let c = (&b"one\ntw"[..]).chain(&b"o\nthree"[..]);
        let mut lines = c.lines();
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "one");
        // Lines from a chained AsyncBufRead: the segment crosses readers.
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "two");
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "three");
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn take_limits_reads_and_buf_reads() {
    run(async {
        let mut t = Trickle::new(b"0123456789", 4, true).take(6);
        let mut out = Vec::new();
        assert_eq!(t.read_to_end(&mut out).await.unwrap(), 6);
        assert_eq!(out, b"012345");
        assert_eq!(t.limit(), 0);
        t.set_limit(100);
        out.clear();
        t.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"6789");
        let inner = t.into_inner();
        assert!(inner.polls > 0);

        let mut t = (&b"ab\ncd\n"[..]).take(4);
        let mut line = String::new();
        t.read_line(&mut line).await.unwrap();
        assert_eq!(line, "ab\n");
        line.clear();
        t.read_line(&mut line).await.unwrap();
        assert_eq!(line, "c");
        assert_eq!(t.read_line(&mut line).await.unwrap(), 0);
        // Consuming more than the limit cannot reset it.
        let mut t = (&b"abcdef"[..]).take(2);
        AsyncBufReadExt::consume(&mut t, 10);
        assert_eq!(t.limit(), 0);
    });
}

#[test]
fn take_zero_never_polls_inner() {
    run(async {
        let mut t = Trickle::bytes(b"abc").take(0);
        let mut buf = [0u8; 3];
        assert_eq!(t.read(&mut buf).await.unwrap(), 0);
        assert_eq!(t.get_ref().polls, 0);
    });
}

#[test]
fn take_over_uninit_buffer_marks_initialized() {
    use std::mem::MaybeUninit;
    let mut t = (&b"abcdef"[..]).take(4);
    let mut storage = [MaybeUninit::<u8>::uninit(); 8];
    let mut buf = ReadBuf::uninit(&mut storage);
    let mut cx = Context::from_waker(Waker::noop());
    use magpie_reactor::io::AsyncRead;
    assert!(matches!(
        Pin::new(&mut t).poll_read(&mut cx, &mut buf),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(buf.filled(), b"abcd");
    assert_eq!(buf.initialized().len(), 4);
}

// ---- AsyncWriteExt ----

#[test]
fn write_all_through_one_byte_writer() {
    run(async {
        let data = noise(1000);
        let mut w = Stingy::new(1, true);
        w.write_all(&data).await.unwrap();
        assert_eq!(w.data, data);
        assert_eq!(w.writes, 1000);
        w.write_all(b"").await.unwrap();
        assert_eq!(w.writes, 1000);
    });
}

#[test]
fn write_all_reports_write_zero_and_errors() {
    run(async {
        let mut w = Stingy::new(2, false);
        w.capacity = Some(3);
        let err = w.write_all(b"abcdef").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WriteZero);
        assert_eq!(w.data, b"abc");

        let mut w = Stingy::new(2, false);
        w.fail = Some(io::ErrorKind::BrokenPipe);
        let err = w.write_all(b"x").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn write_single_and_vectored() {
    run(async {
        let mut w = Stingy::new(3, true);
        assert_eq!(w.write(b"abcdef").await.unwrap(), 3);
        let bufs = [IoSlice::new(b""), IoSlice::new(b"xy"), IoSlice::new(b"z")];
        // Stingy has no vectored write: the default writes the first non-empty buffer.
        assert_eq!(w.write_vectored(&bufs).await.unwrap(), 2);
        assert_eq!(w.data, b"abcxy");
        let mut v = Vec::new();
        assert_eq!(v.write_vectored(&bufs).await.unwrap(), 3);
        assert_eq!(v, b"xyz");
    });
}

#[test]
fn write_numbers_round_trip() {
    run(async {
        let mut w = Stingy::new(1, true);
        w.write_u8(1).await.unwrap();
        w.write_i8(-1).await.unwrap();
        w.write_u16(0xabcd).await.unwrap();
        w.write_i16_le(-300).await.unwrap();
        w.write_u32_le(0x0102_0304).await.unwrap();
        w.write_i32(-5).await.unwrap();
        w.write_u64_le(42).await.unwrap();
        w.write_i64(i64::MAX).await.unwrap();
        w.write_u128_le(7).await.unwrap();
        w.write_i128(-8).await.unwrap();
        w.write_f32_le(2.5).await.unwrap();
        w.write_f64(1e100).await.unwrap();
        let mut r: &[u8] = &w.data;
        assert_eq!(r.read_u8().await.unwrap(), 1);
        assert_eq!(r.read_i8().await.unwrap(), -1);
        assert_eq!(r.read_u16().await.unwrap(), 0xabcd);
        assert_eq!(r.read_i16_le().await.unwrap(), -300);
        assert_eq!(r.read_u32_le().await.unwrap(), 0x0102_0304);
        assert_eq!(r.read_i32().await.unwrap(), -5);
        assert_eq!(r.read_u64_le().await.unwrap(), 42);
        assert_eq!(r.read_i64().await.unwrap(), i64::MAX);
        assert_eq!(r.read_u128_le().await.unwrap(), 7);
        assert_eq!(r.read_i128().await.unwrap(), -8);
        assert_eq!(r.read_f32_le().await.unwrap(), 2.5);
        assert_eq!(r.read_f64().await.unwrap(), 1e100);
        assert!(r.is_empty());

        let mut full = Stingy::new(8, false);
        full.capacity = Some(1);
        assert_eq!(
            full.write_u32(9).await.unwrap_err().kind(),
            io::ErrorKind::WriteZero
        );
    });
}

#[test]
fn flush_and_shutdown_reach_the_writer() {
    run(async {
        let mut w = Stingy::new(1, true);
        w.flush().await.unwrap();
        w.shutdown().await.unwrap();
        assert_eq!((w.flushes, w.shutdowns), (1, 1));
    });
}

// ---- AsyncBufReadExt ----

#[test]
fn read_until_with_and_without_delimiter() {
    run(async {
        let mut r = Trickle::new(b"a,bb,ccc", 2, true);
        let mut buf = Vec::new();
        assert_eq!(r.read_until(b',', &mut buf).await.unwrap(), 2);
        assert_eq!(buf, b"a,");
        assert_eq!(r.read_until(b',', &mut buf).await.unwrap(), 3);
        assert_eq!(buf, b"a,bb,");
        assert_eq!(r.read_until(b',', &mut buf).await.unwrap(), 3);
        assert_eq!(buf, b"a,bb,ccc");
        assert_eq!(r.read_until(b',', &mut buf).await.unwrap(), 0);
    });
}

#[test]
fn read_until_is_cancel_safe() {
    let mut r = Trickle::new(b"abcdef\nrest", 1, true);
    let mut buf = Vec::new();
    let mut cx = Context::from_waker(Waker::noop());
    {
        let mut fut = std::pin::pin!(r.read_until(b'\n', &mut buf));
        for _ in 0..6 {
            assert!(fut.as_mut().poll(&mut cx).is_pending());
        }
    }
    // Partially read bytes are in the buffer (one per poll after the first); calling again
    // continues.
    assert_eq!(buf, b"abcde");
    run(async {
        r.read_until(b'\n', &mut buf).await.unwrap();
    });
    assert_eq!(buf, b"abcdef\n");
}

#[test]
fn read_line_keeps_newline_and_validates() {
    run(async {
        let mut r = Trickle::new(b"one\r\ntwo\nthree", 3, true);
        let mut line = String::new();
        assert_eq!(r.read_line(&mut line).await.unwrap(), 5);
        assert_eq!(line, "one\r\n");
        assert_eq!(r.read_line(&mut line).await.unwrap(), 4);
        assert_eq!(line, "one\r\ntwo\n");
        line.clear();
        assert_eq!(r.read_line(&mut line).await.unwrap(), 5);
        assert_eq!(line, "three");
        assert_eq!(r.read_line(&mut line).await.unwrap(), 0);
        assert_eq!(line, "three");

        let mut r: &[u8] = b"bad\xc3\n";
        let mut line = String::from("kept");
        let err = r.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(line, "kept");

        // An I/O error keeps the valid partial line (as tokio does)...
        let mut r = Trickle::new(b"partial", 4, false);
        r.fail_at_end = Some(io::ErrorKind::TimedOut);
        let mut line = String::from(">");
        let err = r.read_line(&mut line).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(line, ">partial");
        // ...but not a partial line that is not UTF-8.
        let mut r = Trickle::new(b"ab\xe2\x82", 4, false);
        r.fail_at_end = Some(io::ErrorKind::TimedOut);
        let mut line = String::from(">");
        r.read_line(&mut line).await.unwrap_err();
        assert_eq!(line, ">");
    });
}

#[test]
fn lines_strip_lf_and_crlf_only() {
    run(async {
        let text = b"a\nb\r\n\r\n\nc\rd\r\r\nlast";
        let mut lines = Trickle::new(text, 2, true).lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            got.push(line);
        }
        assert_eq!(got, ["a", "b", "", "", "c\rd\r", "last"]);
        assert_eq!(lines.next_line().await.unwrap(), None);

        let mut lines = (&b"x\n"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "x");
        assert_eq!(lines.next_line().await.unwrap(), None);
        let mut empty = (&b""[..]).lines();
        assert_eq!(empty.next_line().await.unwrap(), None);
    });
}

#[test]
fn lines_invalid_utf8_is_skipped_with_an_error() {
    run(async {
        let mut lines = (&b"ok\n\xff\xfe\nafter\n"[..]).lines();
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "ok");
        let err = lines.next_line().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "after");
        let _inner: &[u8] = lines.into_inner();
    });
}

#[test]
fn lines_next_line_is_cancel_safe() {
    let mut lines = Trickle::new(b"hello\nworld\n", 1, true).lines();
    let mut cx = Context::from_waker(Waker::noop());
    // Four polls over two dropped futures read "hel" (one byte per poll after the first).
    for _ in 0..2 {
        let fut = lines.next_line();
        let mut fut = std::pin::pin!(fut);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    }
    run(async {
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "hello");
        assert_eq!(lines.next_line().await.unwrap().unwrap(), "world");
    });
}

#[test]
fn split_segments() {
    run(async {
        let mut s = Trickle::new(b"a||b|", 1, true).split(b'|');
        assert_eq!(s.next_segment().await.unwrap().unwrap(), b"a");
        assert_eq!(s.next_segment().await.unwrap().unwrap(), b"");
        assert_eq!(s.next_segment().await.unwrap().unwrap(), b"b");
        assert_eq!(s.next_segment().await.unwrap(), None);
        let mut s = AsyncBufReadExt::split(&b"no-delim"[..], b'|');
        assert_eq!(s.next_segment().await.unwrap().unwrap(), b"no-delim");
        assert_eq!(s.next_segment().await.unwrap(), None);
    });
}

#[test]
fn fill_buf_and_consume() {
    run(async {
        let mut r = Trickle::new(b"abcdef", 4, true);
        assert_eq!(r.fill_buf().await.unwrap(), b"abcd");
        AsyncBufReadExt::consume(&mut r, 3);
        assert_eq!(r.fill_buf().await.unwrap(), b"def");
        AsyncBufReadExt::consume(&mut r, 3);
        assert_eq!(r.fill_buf().await.unwrap(), b"");
    });
}

// ---- AsyncSeekExt ----

#[test]
fn seek_rewind_and_stream_position() {
    run(async {
        let mut c = Cursor::new(noise(64));
        assert_eq!(c.seek(SeekFrom::End(-4)).await.unwrap(), 60);
        assert_eq!(c.stream_position().await.unwrap(), 60);
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest.len(), 4);
        assert_eq!(c.rewind().await.unwrap(), 0);
        let err = c.seek(SeekFrom::Current(-1)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    });
}

// ---- broken readers ----

#[test]
#[should_panic(expected = "replaced the ReadBuf")]
fn read_to_end_detects_a_swapped_read_buf() {
    run(async {
        let mut v = Vec::with_capacity(64);
        let _ = io_support::Swapper.read_to_end(&mut v).await;
    });
}

#[test]
#[should_panic(expected = "replaced the ReadBuf")]
fn take_detects_a_swapped_read_buf() {
    run(async {
        let mut buf = [0u8; 8];
        let _ = io_support::Swapper.take(4).read(&mut buf).await;
    });
}

#[test]
fn read_to_end_into_preallocated_vector() {
    run(async {
        let data = noise(5000);
        let mut v = Vec::with_capacity(1 << 16);
        let ptr = v.as_ptr();
        assert_eq!((&data[..]).read_to_end(&mut v).await.unwrap(), 5000);
        assert_eq!(v, data);
        assert_eq!(v.as_ptr(), ptr, "no reallocation with enough capacity");
    });
}

#[test]
fn read_exact_large_buffer() {
    run(async {
        let data = noise(3 << 20);
        let mut r = Trickle::new(&data, 65_537, true);
        let mut buf = vec![0u8; data.len()];
        assert_eq!(r.read_exact(&mut buf).await.unwrap(), data.len());
        assert_eq!(buf, data);
    });
}
