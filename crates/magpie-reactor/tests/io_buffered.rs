//! BufReader, BufWriter and BufStream over readers and writers that trickle, stall and fail.

mod io_support;

use io_support::{noise, run, Stingy, Trickle};
use magpie_reactor::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufStream, BufWriter,
};
use std::io::{self, IoSlice};

#[test]
fn buf_reader_lines_over_trickle() {
    run(async {
        let mut text = Vec::new();
        for i in 0..500 {
            text.extend_from_slice(format!("line {i}\r\n").as_bytes());
        }
        text.extend_from_slice(b"tail");
        let mut lines = BufReader::with_capacity(7, Trickle::new(&text, 5, true)).lines();
        let mut n = 0;
        while let Some(line) = lines.next_line().await.unwrap() {
            if n < 500 {
                assert_eq!(line, format!("line {n}"));
            } else {
                assert_eq!(line, "tail");
            }
            n += 1;
        }
        assert_eq!(n, 501);
    });
}

#[test]
fn buf_reader_read_to_end_large() {
    run(async {
        let data = noise(1 << 20);
        let mut r = BufReader::new(Trickle::new(&data, 3000, true));
        let mut out = Vec::new();
        assert_eq!(r.read_to_end(&mut out).await.unwrap(), data.len());
        assert_eq!(out, data);
    });
}

#[test]
fn buf_reader_propagates_errors() {
    run(async {
        let mut t = Trickle::new(b"abc", 8, false);
        t.fail_at_end = Some(io::ErrorKind::ConnectionAborted);
        let mut r = BufReader::new(t);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionAborted);
        assert_eq!(out, b"abc");
    });
}

#[test]
fn buf_reader_zero_length_read() {
    run(async {
        let mut r = BufReader::new(&b"abc"[..]);
        assert_eq!(r.read(&mut []).await.unwrap(), 0);
        let mut b = [0u8; 3];
        r.read_exact(&mut b).await.unwrap();
        assert_eq!(&b, b"abc");
    });
}

#[test]
fn buf_writer_over_one_byte_pending_writer() {
    run(async {
        let data = noise(10_000);
        let mut w = BufWriter::with_capacity(64, Stingy::new(1, true));
        for chunk in data.chunks(7) {
            w.write_all(chunk).await.unwrap();
        }
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().data, data);
        assert_eq!(w.get_ref().flushes, 1);
        w.shutdown().await.unwrap();
        assert_eq!(w.get_ref().shutdowns, 1);
    });
}

#[test]
fn buf_writer_write_zero_on_flush() {
    run(async {
        let mut s = Stingy::new(4, false);
        s.capacity = Some(5);
        let mut w = BufWriter::with_capacity(16, s);
        w.write_all(b"0123456789").await.unwrap();
        let err = w.flush().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WriteZero);
        assert_eq!(w.get_ref().data, b"01234");
        // The unwritten rest stays buffered.
        assert_eq!(w.buffer(), b"56789");
    });
}

#[test]
fn buf_writer_error_on_flush() {
    run(async {
        let mut s = Stingy::new(4, false);
        s.fail = Some(io::ErrorKind::BrokenPipe);
        let mut w = BufWriter::new(s);
        w.write_all(b"x").await.unwrap();
        assert_eq!(
            w.flush().await.unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
        assert_eq!(w.buffer(), b"x");
    });
}

#[test]
fn buf_writer_drop_discards_unflushed() {
    run(async {
        let mut backing = Vec::new();
        {
            let mut w = BufWriter::new(&mut backing);
            w.write_all(b"lost").await.unwrap();
        }
        assert!(backing.is_empty());
    });
}

#[test]
fn buf_writer_vectored_over_non_vectored_writer() {
    run(async {
        let mut w = BufWriter::with_capacity(6, Stingy::new(100, false));
        let bufs = [
            IoSlice::new(b""),
            IoSlice::new(b"ab"),
            IoSlice::new(b"cd"),
            IoSlice::new(b"efg"),
        ];
        // Only whole slices that fit are buffered.
        assert_eq!(w.write_vectored(&bufs).await.unwrap(), 4);
        assert_eq!(w.buffer(), b"abcd");
        let big = [IoSlice::new(b"0123456789")];
        assert_eq!(w.write_vectored(&big).await.unwrap(), 10);
        assert_eq!(w.get_ref().data, b"abcd0123456789");
        assert_eq!(w.write_vectored(&[]).await.unwrap(), 0);
    });
}

#[test]
fn buf_stream_round_trip_through_duplex_like_cursor() {
    run(async {
        let mut s = BufStream::new(std::io::Cursor::new(Vec::new()));
        s.write_all(b"hello").await.unwrap();
        s.flush().await.unwrap();
        assert_eq!(s.get_ref().get_ref(), b"hello");
        assert_eq!(s.into_inner().into_inner(), b"hello");
    });
}

#[test]
fn buf_reader_seeks_through_a_slow_inner_seek() {
    use io_support::SlowSeek;
    use magpie_reactor::io::AsyncSeekExt;
    use std::io::SeekFrom;
    run(async {
        let data: Vec<u8> = (0..=255).collect();
        let mut r = BufReader::with_capacity(32, SlowSeek::new(data));
        assert_eq!(r.read_u8().await.unwrap(), 0);
        assert_eq!(r.stream_position().await.unwrap(), 1);
        assert_eq!(r.seek(SeekFrom::Current(100)).await.unwrap(), 101);
        assert_eq!(r.read_u8().await.unwrap(), 101);
        assert_eq!(r.seek(SeekFrom::Start(7)).await.unwrap(), 7);
        assert_eq!(r.read_u8().await.unwrap(), 7);
        // Overflowing relative seek: two inner seeks (back over the buffer, then the offset),
        // each of which takes a Pending first.
        let before = r.get_ref().seeks;
        let err = r.seek(SeekFrom::Current(i64::MIN)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(r.get_ref().seeks, before + 2);
    });
}

#[test]
fn buf_writer_seek_waits_for_flush_and_slow_seek() {
    use io_support::SlowSeek;
    use magpie_reactor::io::{AsyncSeek, AsyncSeekExt, AsyncWrite};
    use std::io::SeekFrom;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    // A SlowSeek that can be written to (overwrites in place).
    struct W(SlowSeek);
    impl AsyncWrite for W {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(std::io::Write::write(&mut self.get_mut().0.inner, buf))
        }
        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }
    impl AsyncSeek for W {
        fn start_seek(self: Pin<&mut Self>, pos: SeekFrom) -> io::Result<()> {
            Pin::new(&mut self.get_mut().0).start_seek(pos)
        }
        fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
            Pin::new(&mut self.get_mut().0).poll_complete(cx)
        }
    }

    run(async {
        let mut w = BufWriter::new(W(SlowSeek::new(vec![b'.'; 8])));
        w.write_all(b"ab").await.unwrap();
        assert_eq!(w.seek(SeekFrom::End(-2)).await.unwrap(), 6);
        w.write_all(b"yz").await.unwrap();
        w.flush().await.unwrap();
        assert_eq!(w.get_ref().0.inner.get_ref(), b"ab....yz");
    });
}

#[test]
#[should_panic(expected = "capacity must be greater than zero")]
fn buf_reader_zero_capacity_panics() {
    let _ = BufReader::with_capacity(0, &b"data"[..]);
}

#[test]
#[should_panic(expected = "capacity must be greater than zero")]
fn buf_stream_zero_reader_capacity_panics() {
    let _ = BufStream::with_capacity(0, 8, io::Cursor::new(Vec::<u8>::new()));
}

#[test]
fn buf_reader_poll_complete_without_seek_waits_for_the_inner_seek() {
    use io_support::SlowSeek;
    use magpie_reactor::io::AsyncSeek;
    use std::pin::Pin;

    run(async {
        let mut r = BufReader::with_capacity(2, SlowSeek::new(b"abcdef".to_vec()));
        assert_eq!(r.fill_buf().await.unwrap(), b"ab");
        // A seek started on the inner reader behind the BufReader's back is still in
        // flight: `poll_complete` (which callers run before `start_seek`) must wait for it.
        Pin::new(r.get_mut())
            .start_seek(io::SeekFrom::Start(4))
            .unwrap();
        let pos = std::future::poll_fn(|cx| Pin::new(&mut r).poll_complete(cx))
            .await
            .unwrap();
        assert_eq!(pos, 4);
        assert_eq!(
            r.get_ref().seeks,
            1,
            "the inner seek was driven to completion"
        );
        assert_eq!(r.buffer(), b"ab", "no seek of ours: the buffer is kept");
    });
}
