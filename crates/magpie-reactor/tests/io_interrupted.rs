//! `ErrorKind::Interrupted` means "nothing happened, try again": every helper that loops
//! over reads or writes retries it (as std and tokio do) and loses no byte, while the
//! single-shot operations (`read`, `read_buf`, `write`, `write_buf`) hand it to the caller.

mod io_support;

use io_support::{run, Script};
use magpie_reactor::io::{
    self, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter,
};
use std::io::ErrorKind::Interrupted;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `Script::interrupted_reads` puts an `Interrupted` before every chunk and one before EOF.
fn interrupts_for(len: usize, chunk: usize) -> usize {
    len.div_ceil(chunk) + 1
}

// ---- reads ----

#[test]
fn read_exact_retries() {
    run(async {
        let mut r = Script::interrupted_reads(b"abcdef", 2);
        let mut buf = [0u8; 6];
        assert_eq!(r.read_exact(&mut buf).await.unwrap(), 6);
        assert_eq!(&buf, b"abcdef");
        // The interrupt before EOF comes only when there is something left to read.
        assert_eq!(r.interrupts, 3);
    });
}

#[test]
fn read_exact_retries_then_reports_eof() {
    run(async {
        let mut r = Script::interrupted_reads(b"ab", 1);
        let mut buf = [0u8; 3];
        let err = r.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(r.interrupts, interrupts_for(2, 1));
    });
}

#[test]
fn read_numbers_retry_between_bytes() {
    run(async {
        let mut r = Script::interrupted_reads(&[7], 1);
        assert_eq!(r.read_u8().await.unwrap(), 7);
        let mut r = Script::interrupted_reads(&[0xfe], 1);
        assert_eq!(r.read_i8().await.unwrap(), -2);
        let mut r = Script::interrupted_reads(&0x0102_0304u32.to_be_bytes(), 1);
        assert_eq!(r.read_u32().await.unwrap(), 0x0102_0304);
        let mut r = Script::interrupted_reads(&(-5i128).to_le_bytes(), 3);
        assert_eq!(r.read_i128_le().await.unwrap(), -5);
        let mut r = Script::interrupted_reads(&1.5f64.to_be_bytes(), 1);
        assert_eq!(r.read_f64().await.unwrap(), 1.5);
        assert_eq!(r.interrupts, 8);
        let mut r = Script::interrupted_reads(&[1], 1);
        assert_eq!(
            r.read_u16_le().await.unwrap_err().kind(),
            std::io::ErrorKind::UnexpectedEof
        );
    });
}

#[test]
fn read_to_end_and_to_string_retry() {
    run(async {
        let mut r = Script::interrupted_reads(b"hello world", 4);
        let mut out = b">".to_vec();
        assert_eq!(r.read_to_end(&mut out).await.unwrap(), 11);
        assert_eq!(out, b">hello world");
        assert_eq!(r.interrupts, interrupts_for(11, 4));

        let mut r = Script::interrupted_reads("héllo".as_bytes(), 2);
        let mut s = String::from(">");
        assert_eq!(r.read_to_string(&mut s).await.unwrap(), 6);
        assert_eq!(s, ">héllo");
    });
}

#[test]
fn read_until_read_line_and_lines_retry() {
    run(async {
        let mut r = Script::interrupted_reads(b"ab,cd,e", 1);
        let mut out = Vec::new();
        assert_eq!(r.read_until(b',', &mut out).await.unwrap(), 3);
        assert_eq!(r.read_until(b',', &mut out).await.unwrap(), 3);
        assert_eq!(r.read_until(b',', &mut out).await.unwrap(), 1);
        assert_eq!(r.read_until(b',', &mut out).await.unwrap(), 0);
        assert_eq!(out, b"ab,cd,e");

        let mut r = Script::interrupted_reads(b"one\ntwo", 2);
        let mut line = String::new();
        assert_eq!(r.read_line(&mut line).await.unwrap(), 4);
        assert_eq!(r.read_line(&mut line).await.unwrap(), 3);
        assert_eq!(line, "one\ntwo");

        let mut lines =
            BufReader::with_capacity(3, Script::interrupted_reads(b"x\r\nyz\n", 1)).lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("x"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("yz"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    });
}

#[test]
fn single_reads_pass_interrupted_on() {
    run(async {
        let mut r = Script::interrupted_reads(b"a", 1);
        assert_eq!(r.read(&mut [0; 4]).await.unwrap_err().kind(), Interrupted);
        let mut buf = Vec::with_capacity(4);
        assert_eq!(r.read_buf(&mut buf).await.unwrap(), 1);
        assert_eq!(r.read_buf(&mut buf).await.unwrap_err().kind(), Interrupted);
        assert_eq!(r.read_buf(&mut buf).await.unwrap(), 0);
    });
}

// ---- writes ----

#[test]
fn write_all_retries() {
    run(async {
        let mut w = Script::interrupted_writes(3);
        w.write_all(b"abcdefgh").await.unwrap();
        assert_eq!(w.written, b"abcdefgh");
        assert_eq!(w.interrupts, 3);
    });
}

#[test]
fn write_numbers_retry_between_bytes() {
    run(async {
        let mut w = Script::interrupted_writes(1);
        w.write_u8(1).await.unwrap();
        w.write_i16(-2).await.unwrap();
        w.write_u64_le(0x0102_0304_0506_0708).await.unwrap();
        w.write_f32(2.5).await.unwrap();
        w.write_i128(-3).await.unwrap();
        let mut expected = vec![1u8];
        expected.extend_from_slice(&(-2i16).to_be_bytes());
        expected.extend_from_slice(&0x0102_0304_0506_0708u64.to_le_bytes());
        expected.extend_from_slice(&2.5f32.to_be_bytes());
        expected.extend_from_slice(&(-3i128).to_be_bytes());
        assert_eq!(w.written, expected);
        assert_eq!(w.interrupts, expected.len());
    });
}

#[test]
fn write_all_buf_retries_plain_and_vectored() {
    run(async {
        let mut w = Script::interrupted_writes(2);
        let mut src = bytes::Buf::chain(&b"abc"[..], &b"defg"[..]);
        w.write_all_buf(&mut src).await.unwrap();
        assert_eq!(w.written, b"abcdefg");
        assert!(!bytes::Buf::has_remaining(&src));

        let mut w = Vectored(Script::interrupted_writes(4));
        let mut src = bytes::Buf::chain(&b"abc"[..], &b"defg"[..]);
        w.write_all_buf(&mut src).await.unwrap();
        assert_eq!(w.0.written, b"abcdefg");
        assert_eq!(w.0.interrupts, 2);
    });
}

#[test]
fn single_writes_pass_interrupted_on() {
    run(async {
        let mut w = Script::interrupted_writes(8);
        assert_eq!(w.write(b"ab").await.unwrap_err().kind(), Interrupted);
        let mut src = &b"cd"[..];
        assert_eq!(w.write_buf(&mut src).await.unwrap(), 2);
        assert_eq!(w.write_buf(&mut src).await.unwrap(), 0);
        assert_eq!(w.written, b"cd");
    });
}

#[test]
fn buf_writer_flush_retries() {
    run(async {
        let mut w = BufWriter::with_capacity(16, Script::interrupted_writes(3));
        w.write_all(b"0123456789").await.unwrap();
        assert!(w.get_ref().written.is_empty(), "still buffered");
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().written, b"0123456789");
        assert!(w.buffer().is_empty());
        // A write larger than the buffer goes through the same retrying flush first.
        w.write_all(b"ab").await.unwrap();
        w.write_all(&[b'x'; 20]).await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().written.len(), 32);
    });
}

// ---- copies ----

#[test]
fn copy_retries_reads_and_writes() {
    run(async {
        let data = io_support::noise(10_000);
        let mut r = Script::interrupted_reads(&data, 700);
        let mut w = Script::interrupted_writes(300);
        assert_eq!(io::copy(&mut r, &mut w).await.unwrap(), 10_000);
        assert_eq!(w.written, data);
        assert_eq!(r.interrupts, interrupts_for(10_000, 700));
        assert!(w.interrupts > 0);
    });
}

#[test]
fn copy_buf_retries_fill_buf_and_writes() {
    run(async {
        let mut r = Script::interrupted_reads(b"abcdefghij", 3);
        let mut w = Script::interrupted_writes(2);
        assert_eq!(io::copy_buf(&mut r, &mut w).await.unwrap(), 10);
        assert_eq!(w.written, b"abcdefghij");
        assert_eq!(r.interrupts, interrupts_for(10, 3));
    });
}

#[test]
fn copy_bidirectional_retries_both_ways() {
    run(async {
        let mut a = Script::interrupted_reads(b"from a", 2);
        a.write_chunk = 1;
        a.interrupt_writes = true;
        let mut b = Script::interrupted_reads(b"from b!", 3);
        b.write_chunk = 2;
        b.interrupt_writes = true;
        let (ab, ba) = io::copy_bidirectional(&mut a, &mut b).await.unwrap();
        assert_eq!((ab, ba), (6, 7));
        assert_eq!(b.written, b"from a");
        assert_eq!(a.written, b"from b!");
        assert_eq!((a.shutdowns, b.shutdowns), (1, 1));
    });
}

/// Forwards to a `Script`, claiming vectored-write support (the default trait method
/// writes the first non-empty slice).
struct Vectored(Script);

impl AsyncWrite for Vectored {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
