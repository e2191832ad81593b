//! copy, copy_buf, copy_bidirectional, split, duplex, simplex, empty, sink, repeat and join.

mod io_support;

use io_support::{noise, run, Stingy, Trickle};
use magpie_reactor::io::{
    self, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
    BufWriter, ReadBuf,
};
use magpie_sched::coop;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct CountWakes(AtomicUsize);
impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

// ---- copy ----

#[test]
fn copy_moves_everything_and_flushes() {
    run(async {
        let data = noise(100_000);
        let mut r = Trickle::new(&data, 777, true);
        let mut w = Stingy::new(1000, true);
        let n = io::copy(&mut r, &mut w).await.unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(w.data, data);
        assert!(w.flushes >= 1, "copy flushes at the end");
    });
}

#[test]
fn copy_empty_reader() {
    run(async {
        let mut w = Vec::new();
        assert_eq!(io::copy(&mut io::empty(), &mut w).await.unwrap(), 0);
        assert!(w.is_empty());
    });
}

#[test]
fn copy_flushes_a_buffered_writer_when_the_reader_stalls() {
    // The reader hands out "ping" and then stalls forever; the BufWriter must be flushed
    // while waiting, or the data would never reach the other side.
    let (mut a, mut b) = io::duplex(64);
    let mut cx = Context::from_waker(Waker::noop());
    let mut reader = (&b"ping"[..]).chain(Stalled);
    let mut writer = BufWriter::new(&mut a);
    {
        let mut fut = pin!(io::copy(&mut reader, &mut writer));
        assert!(fut.as_mut().poll(&mut cx).is_pending());
    }
    let mut buf = [0u8; 4];
    let mut read = pin!(b.read_exact(&mut buf));
    assert!(matches!(read.as_mut().poll(&mut cx), Poll::Ready(Ok(4))));
    assert_eq!(&buf, b"ping");
}

struct Stalled;
impl AsyncRead for Stalled {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Pending
    }
}

#[test]
fn copy_write_zero_and_errors() {
    run(async {
        let mut w = Stingy::new(10, false);
        w.capacity = Some(5);
        let err = io::copy(&mut &b"0123456789"[..], &mut w).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);

        let mut r = Trickle::new(b"abc", 2, false);
        r.fail_at_end = Some(std::io::ErrorKind::ConnectionReset);
        let err = io::copy(&mut r, &mut Vec::new()).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    });
}

#[test]
fn copy_spends_the_coop_budget() {
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut src = io::repeat(7).take(1 << 40);
    let mut dst = io::sink();
    let mut fut = pin!(io::copy(&mut src, &mut dst));
    // Inside a task's budget an endless in-memory copy must yield, and wake itself.
    let res = coop::budget(|| fut.as_mut().poll(&mut cx));
    assert!(res.is_pending());
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
}

#[test]
fn copy_buf_uses_the_readers_buffer() {
    run(async {
        let data = noise(50_000);
        let mut r = BufReader::with_capacity(1024, Trickle::new(&data, 999, true));
        let mut w = Stingy::new(300, true);
        assert_eq!(io::copy_buf(&mut r, &mut w).await.unwrap(), 50_000);
        assert_eq!(w.data, data);
        assert!(w.flushes >= 1);

        let mut w = Stingy::new(10, false);
        w.capacity = Some(0);
        let err = io::copy_buf(&mut &b"x"[..], &mut w).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::WriteZero);
    });
}

#[test]
fn copy_bidirectional_proxies_both_ways_and_shuts_down() {
    let (mut client, mut proxy_a) = io::duplex(128);
    let (mut proxy_b, mut server) = io::duplex(128);
    let up = noise(20_000);
    let down = noise(30_000);
    let up2 = up.clone();
    let down2 = down.clone();
    let proxy = std::thread::spawn(move || {
        run(io::copy_bidirectional(&mut proxy_a, &mut proxy_b)).unwrap()
    });
    let srv = std::thread::spawn(move || {
        run(async {
            let mut got = Vec::new();
            let (mut rd, mut wr) = io::split(&mut server);
            let read = async {
                rd.read_to_end(&mut got).await.unwrap();
            };
            let write = async {
                wr.write_all(&down2).await.unwrap();
                wr.shutdown().await.unwrap();
            };
            futures::join!(read, write);
            assert_eq!(got, up2);
        })
    });
    run(async {
        let (mut rd, mut wr) = io::split(&mut client);
        let mut got = Vec::new();
        let read = async {
            rd.read_to_end(&mut got).await.unwrap();
        };
        let write = async {
            wr.write_all(&up).await.unwrap();
            wr.shutdown().await.unwrap();
        };
        futures::join!(read, write);
        assert_eq!(got, down);
    });
    srv.join().unwrap();
    let (a_to_b, b_to_a) = proxy.join().unwrap();
    assert_eq!((a_to_b, b_to_a), (20_000, 30_000));
}

#[test]
fn copy_bidirectional_with_sizes_reports_errors() {
    run(async {
        let (mut a, b) = io::duplex(16);
        drop(b);
        let mut stingy = Stingy::new(4, false);
        stingy.fail = Some(std::io::ErrorKind::PermissionDenied);
        let mut failing = io::join(&b"data"[..], stingy);
        // a -> failing: EOF at once (the peer is gone), then `failing` is shut down fine.
        // failing -> a: "data" is written into `a`, whose peer is gone: BrokenPipe.
        let res = io::copy_bidirectional_with_sizes(&mut a, &mut failing, 4, 4).await;
        assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    });
}

#[test]
#[should_panic(expected = "`a_to_b_buf_size` must be greater than 0")]
fn copy_bidirectional_zero_size_panics() {
    run(async {
        let (mut a, mut b) = io::duplex(16);
        let _ = io::copy_bidirectional_with_sizes(&mut a, &mut b, 0, 8).await;
    });
}

// ---- duplex / simplex ----

#[test]
fn duplex_round_trip_across_threads_with_tiny_buffer() {
    let (mut a, mut b) = io::duplex(3);
    let data = noise(200_000);
    let expect = data.clone();
    let writer = std::thread::spawn(move || {
        run(async {
            a.write_all(&data).await.unwrap();
            // Dropping `a` closes: `b` reads EOF after draining.
        })
    });
    let got = run(async {
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        got
    });
    writer.join().unwrap();
    assert_eq!(got, expect);
}

#[test]
fn duplex_write_after_peer_drop_is_broken_pipe() {
    run(async {
        let (mut a, b) = io::duplex(8);
        a.write_all(b"ab").await.unwrap();
        drop(b);
        let err = a.write(b"c").await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
        // Reading from a dropped peer: EOF.
        let mut buf = [0u8; 4];
        assert_eq!(a.read(&mut buf).await.unwrap(), 0);
    });
}

#[test]
fn duplex_pending_writer_is_woken_by_peer_drop() {
    let (mut a, b) = io::duplex(2);
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    run(a.write_all(b"xy")).unwrap();
    let mut fut = pin!(a.write(b"z"));
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    drop(b);
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Err(e)) => assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe),
        other => panic!("expected BrokenPipe, got {other:?}"),
    }
}

#[test]
fn duplex_shutdown_gives_peer_eof_after_data() {
    run(async {
        let (mut a, mut b) = io::duplex(64);
        a.write_all(b"last words").await.unwrap();
        a.shutdown().await.unwrap();
        let mut s = String::new();
        b.read_to_string(&mut s).await.unwrap();
        assert_eq!(s, "last words");
        // The other direction still works.
        b.write_all(b"reply").await.unwrap();
        let mut buf = [0u8; 5];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"reply");
    });
}

#[test]
fn duplex_reader_woken_by_write_and_zero_length_ops() {
    let (mut a, mut b) = io::duplex(8);
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut buf = [0u8; 4];
    {
        let mut read = pin!(b.read(&mut buf));
        assert!(read.as_mut().poll(&mut cx).is_pending());
        // A zero-length write moves nothing and wakes nobody.
        assert_eq!(run(a.write(b"")).unwrap(), 0);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
        assert_eq!(run(a.write(b"hi")).unwrap(), 2);
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
        assert!(matches!(read.as_mut().poll(&mut cx), Poll::Ready(Ok(2))));
    }
    // A zero-length read with data buffered returns at once with nothing.
    run(a.write_all(b"x")).unwrap();
    assert_eq!(run(b.read(&mut [])).unwrap(), 0);
}

#[test]
fn duplex_vectored_write_fills_up_to_capacity() {
    run(async {
        let (mut a, mut b) = io::duplex(5);
        assert!(a.is_write_vectored());
        let bufs = [
            std::io::IoSlice::new(b"abc"),
            std::io::IoSlice::new(b"defg"),
        ];
        assert_eq!(a.write_vectored(&bufs).await.unwrap(), 5);
        let mut buf = [0u8; 5];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"abcde");
    });
}

#[test]
fn duplex_spends_the_coop_budget() {
    let (mut a, mut b) = io::duplex(1 << 20);
    run(a.write_all(&noise(1 << 16))).unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    coop::budget(|| {
        let mut byte = [0u8; 1];
        let mut ready = 0;
        loop {
            let mut fut = pin!(b.read(&mut byte));
            match fut.as_mut().poll(&mut cx) {
                Poll::Ready(r) => {
                    r.unwrap();
                    ready += 1;
                }
                Poll::Pending => break,
            }
        }
        assert_eq!(ready, coop::BUDGET as usize);
    });
}

#[test]
#[should_panic(expected = "`max_buf_size` must be greater than 0")]
fn duplex_zero_capacity_panics() {
    let _ = io::duplex(0);
}

#[test]
fn simplex_halves_and_unsplit_stream() {
    run(async {
        // The buffer holds only 4 bytes: drive the writer and the reader at once.
        let (mut rx2, mut tx2) = io::simplex(4);
        let data = noise(1000);
        let write = async {
            tx2.write_all(&data).await.unwrap();
            tx2.shutdown().await.unwrap();
        };
        let mut got = Vec::new();
        let read = async {
            rx2.read_to_end(&mut got).await.unwrap();
        };
        futures::join!(write, read);
        assert_eq!(got, data);

        let mut s = io::SimplexStream::new_unsplit(16);
        s.write_all(b"loop").await.unwrap();
        s.shutdown().await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, "loop");
        assert_eq!(
            s.write(b"x").await.unwrap_err().kind(),
            std::io::ErrorKind::BrokenPipe
        );
    });
}

// ---- split ----

#[test]
fn split_pairs_and_unsplit() {
    let (a, _b) = io::duplex(8);
    let (c, _d) = io::duplex(8);
    let (ra, wa) = io::split(a);
    let (rc, wc) = io::split(c);
    assert!(ra.is_pair_of(&wa) && wa.is_pair_of(&ra));
    assert!(!ra.is_pair_of(&wc) && !rc.is_pair_of(&wa));
    let _a = ra.unsplit(wa);
    let _c = rc.unsplit(wc);
}

#[test]
#[should_panic(expected = "Unrelated `split::Write` passed to `split::Read::unsplit`.")]
fn unsplit_unrelated_halves_panics() {
    let (ra, _wa) = io::split(io::join(io::empty(), io::sink()));
    let (_rb, wb) = io::split(io::join(io::empty(), io::sink()));
    let _ = ra.unsplit(wb);
}

#[test]
fn split_halves_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<io::ReadHalf<io::DuplexStream>>();
    assert_send_sync::<io::WriteHalf<io::DuplexStream>>();
    assert_send_sync::<io::DuplexStream>();
}

// ---- empty / sink / repeat / join ----

#[test]
fn empty_sink_repeat() {
    run(async {
        let mut e = io::empty();
        let mut buf = [0u8; 8];
        assert_eq!(e.read(&mut buf).await.unwrap(), 0);
        assert_eq!(e.fill_buf().await.unwrap(), b"");
        assert_eq!(e.write(b"abc").await.unwrap(), 3);
        let mut lines = io::empty().lines();
        assert_eq!(lines.next_line().await.unwrap(), None);

        let mut s = io::sink();
        s.write_all(&noise(100_000)).await.unwrap();
        s.flush().await.unwrap();
        s.shutdown().await.unwrap();

        let mut r = io::repeat(b'z');
        r.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"zzzzzzzz");
        let mut out = Vec::new();
        io::repeat(1)
            .take(10_000)
            .read_to_end(&mut out)
            .await
            .unwrap();
        assert_eq!(out, vec![1u8; 10_000]);
    });
}

#[test]
fn empty_and_repeat_spend_budget() {
    let mut cx = Context::from_waker(Waker::noop());
    coop::budget(|| {
        let mut n = 0;
        let mut r = io::repeat(0);
        let mut buf = [0u8; 1];
        while Pin::new(&mut r)
            .poll_read(&mut cx, &mut ReadBuf::new(&mut buf))
            .is_ready()
        {
            n += 1;
        }
        assert_eq!(n, coop::BUDGET as usize);
        assert!(Pin::new(&mut io::sink()).poll_flush(&mut cx).is_pending());
    });
}

#[test]
fn join_reads_one_writes_other() {
    run(async {
        let mut j = io::join(Trickle::bytes(b"in\nput"), Vec::new());
        let mut line = String::new();
        j.read_line(&mut line).await.unwrap();
        assert_eq!(line, "in\n");
        j.write_all(b"out").await.unwrap();
        assert_eq!(j.writer(), b"out");
        j.writer_mut().push(b'!');
        assert!(j.reader().polls > 0);
        let (_r, w) = j.into_inner();
        assert_eq!(w, b"out!");
    });
}

#[test]
fn copy_buf_spends_the_coop_budget() {
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut src = BufReader::new(io::repeat(3));
    let mut dst = Vec::new();
    {
        let mut fut = pin!(io::copy_buf(&mut src, &mut dst));
        assert!(coop::budget(|| fut.as_mut().poll(&mut cx)).is_pending());
    }
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    // One 8 KiB buffer per unit of budget at most.
    assert!(dst.len() <= coop::BUDGET as usize * 8192, "{}", dst.len());
    assert!(!dst.is_empty());
}

#[test]
fn copy_bidirectional_over_endless_streams_yields() {
    let mut cx = Context::from_waker(Waker::noop());
    let mut a = io::join(io::repeat(1), io::sink());
    let mut b = io::join(io::repeat(2), io::sink());
    let mut fut = pin!(io::copy_bidirectional(&mut a, &mut b));
    assert!(coop::budget(|| fut.as_mut().poll(&mut cx)).is_pending());
}

#[test]
#[should_panic(expected = "`b_to_a_buf_size` must be greater than 0")]
fn copy_bidirectional_zero_return_size_panics() {
    run(async {
        let (mut a, mut b) = io::duplex(16);
        let _ = io::copy_bidirectional_with_sizes(&mut a, &mut b, 8, 0).await;
    });
}

#[test]
fn duplex_zero_length_ops_never_park() {
    let waker = Waker::from(Arc::new(CountWakes(AtomicUsize::new(0))));
    let mut cx = Context::from_waker(&waker);
    // Nothing buffered: an empty read still completes at once.
    let (mut a, mut b) = io::duplex(1);
    assert!(matches!(
        pin!(b.read(&mut [])).poll(&mut cx),
        Poll::Ready(Ok(0))
    ));
    // Buffer full: empty writes, plain or vectored, complete at once too.
    run(a.write_all(b"x")).unwrap();
    assert!(matches!(
        pin!(a.write(b"")).poll(&mut cx),
        Poll::Ready(Ok(0))
    ));
    let empty = [std::io::IoSlice::new(b""), std::io::IoSlice::new(b"")];
    assert!(matches!(
        pin!(a.write_vectored(&empty)).poll(&mut cx),
        Poll::Ready(Ok(0))
    ));
    // ...but a closed pipe is still reported.
    drop(b);
    let err = run(a.write(b"")).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    let err = run(a.write_vectored(&empty)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
}

/// A waker owning a stream end: dropping the waker drops (and closes) that end, which
/// locks the pipe. The pipe must never drop a waker while it holds that lock.
struct OwnsPeer(#[allow(dead_code)] std::sync::Mutex<Option<io::DuplexStream>>);
impl Wake for OwnsPeer {
    fn wake(self: Arc<Self>) {}
}

/// Polls `op` once with a waker owning `peer`, then again with another waker, which
/// replaces (drops) the first one: `peer` is dropped and the pipe closes. A lock held
/// across that drop deadlocks (or panics, with a reentrant-lock check) right here.
fn replace_a_peer_owning_waker<T>(peer: io::DuplexStream, op: impl Future<Output = T>) -> T {
    let mut op = pin!(op);
    let owner = Waker::from(Arc::new(OwnsPeer(std::sync::Mutex::new(Some(peer)))));
    assert!(op
        .as_mut()
        .poll(&mut Context::from_waker(&owner))
        .is_pending());
    drop(owner);
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    // This poll replaces the stored waker: the last handle to `peer` goes, closing the
    // pipe, which wakes the waker just stored.
    assert!(op.as_mut().poll(&mut cx).is_pending());
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "closing woke the new waker"
    );
    match op.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the pipe closed: the operation must finish"),
    }
}

#[test]
fn duplex_drops_a_replaced_read_waker_outside_its_lock() {
    let (mut a, peer) = io::duplex(1);
    let n = replace_a_peer_owning_waker(peer, async { a.read(&mut [0; 1]).await });
    assert_eq!(n.unwrap(), 0, "EOF once the peer is gone");
}

#[test]
fn duplex_drops_a_replaced_write_waker_outside_its_lock() {
    let (mut a, peer) = io::duplex(1);
    let res = replace_a_peer_owning_waker(peer, async { a.write_all(b"xy").await });
    assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);

    let (mut a, peer) = io::duplex(1);
    let res = replace_a_peer_owning_waker(peer, async {
        a.write(b"x").await.unwrap();
        a.write_vectored(&[std::io::IoSlice::new(b"y")]).await
    });
    assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
}

#[test]
#[should_panic(expected = "`max_buf_size` must be greater than 0")]
fn simplex_zero_capacity_panics() {
    let _ = io::simplex(0);
}
