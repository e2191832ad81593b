//! tokio-util, tokio-stream and tokio-test, unchanged, on Magpie.

use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_stream::wrappers::{
    BroadcastStream, IntervalStream, ReceiverStream, TcpListenerStream, UnboundedReceiverStream,
    WatchStream,
};
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LengthDelimitedCodec, LinesCodec};
use tokio_util::sync::CancellationToken;

/// A line server: each line comes back upper-cased, numbered per connection.
async fn line_server(listener: TcpListener) {
    loop {
        let (sock, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let mut framed = Framed::new(sock, LinesCodec::new());
            let mut n = 0u32;
            while let Some(line) = framed.next().await {
                n += 1;
                let line = line.unwrap();
                framed
                    .send(format!("{n}:{}", line.to_uppercase()))
                    .await
                    .unwrap();
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framed_lines_codec_over_tcp() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(line_server(listener));

    let mut clients = Vec::new();
    for c in 0..8 {
        clients.push(tokio::spawn(async move {
            let sock = TcpStream::connect(addr).await.unwrap();
            let mut framed = Framed::new(sock, LinesCodec::new());
            for i in 0..100 {
                framed.send(format!("client {c} line {i}")).await.unwrap();
                let reply = framed.next().await.unwrap().unwrap();
                assert_eq!(reply, format!("{}:CLIENT {c} LINE {i}", i + 1));
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    server.abort();
    assert!(server.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn length_delimited_frames_over_duplex() {
    let (a, b) = tokio::io::duplex(64);
    let writer = tokio::spawn(async move {
        let mut w = FramedWrite::new(a, LengthDelimitedCodec::new());
        for i in 0..200u32 {
            let frame = vec![i as u8; i as usize];
            w.send(Bytes::from(frame)).await.unwrap();
        }
    });
    let mut r = FramedRead::new(b, LengthDelimitedCodec::new());
    let mut seen = 0u32;
    while let Some(frame) = r.next().await {
        let frame = frame.unwrap();
        assert_eq!(frame.len(), seen as usize);
        assert!(frame.iter().all(|&b| b == seen as u8));
        seen += 1;
    }
    assert_eq!(seen, 200);
    writer.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_token_tree() {
    let root = CancellationToken::new();
    let (done_tx, mut done_rx) = mpsc::channel(16);
    for i in 0..10 {
        let child = root.child_token();
        let done = done_tx.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = child.cancelled() => done.send(i).await.unwrap(),
                _ = tokio::time::sleep(Duration::from_secs(3600)) => panic!("not cancelled"),
            }
        });
    }
    drop(done_tx);
    let lone = root.child_token();
    lone.cancel();
    assert!(lone.is_cancelled());
    assert!(!root.is_cancelled());

    root.cancel();
    let mut got = Vec::new();
    while let Some(i) = done_rx.recv().await {
        got.push(i);
    }
    got.sort();
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    // A token cancelled before anyone waits resolves at once; a drop guard cancels.
    root.cancelled().await;
    let guarded = CancellationToken::new();
    drop(guarded.clone().drop_guard());
    assert!(guarded.is_cancelled());
    let owned = guarded.cancelled_owned();
    owned.await;
}

#[tokio::test]
async fn receiver_streams() {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for i in 0..50 {
            tx.send(i).await.unwrap();
        }
    });
    let sum: i32 = ReceiverStream::new(rx)
        .fold(0, |a, b| async move { a + b })
        .await;
    assert_eq!(sum, (0..50).sum());

    let (tx, rx) = mpsc::unbounded_channel();
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let v: Vec<_> = UnboundedReceiverStream::new(rx).collect().await;
    assert_eq!(v, (0..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn broadcast_and_watch_streams() {
    let (tx, rx) = broadcast::channel(2);
    let mut stream = BroadcastStream::new(rx);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    drop(tx);
    // Capacity 2: the first three were overwritten, reported as one lag of 3.
    let first = stream.next().await.unwrap();
    assert!(matches!(
        first,
        Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(3))
    ));
    let rest: Vec<_> = stream.map(Result::unwrap).collect().await;
    assert_eq!(rest, vec![3, 4]);

    let (tx, rx) = watch::channel(0);
    let mut stream = WatchStream::new(rx);
    assert_eq!(stream.next().await, Some(0));
    tx.send(7).unwrap();
    assert_eq!(stream.next().await, Some(7));
    drop(tx);
    assert_eq!(stream.next().await, None);
}

#[tokio::test(start_paused = true)]
async fn interval_stream_on_paused_clock() {
    let start = tokio::time::Instant::now();
    let ticks: Vec<_> = IntervalStream::new(tokio::time::interval(Duration::from_millis(100)))
        .take(5)
        .collect()
        .await;
    assert_eq!(ticks.len(), 5);
    for (i, t) in ticks.iter().enumerate() {
        assert_eq!(*t - start, Duration::from_millis(100 * i as u64));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_listener_stream_accepts() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let mut incoming = TcpListenerStream::new(listener).take(20);
        let mut total = 0u64;
        while let Some(sock) = incoming.next().await {
            let mut sock = sock.unwrap();
            let n = sock.read_u64().await.unwrap();
            sock.write_u64(n * 2).await.unwrap();
            total += n;
        }
        total
    });
    let mut clients = Vec::new();
    for i in 0..20u64 {
        clients.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_u64(i).await.unwrap();
            assert_eq!(s.read_u64().await.unwrap(), i * 2);
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    assert_eq!(server.await.unwrap(), (0..20).sum::<u64>());
}

#[test]
fn tokio_test_mock_io_and_task() {
    tokio_test::block_on(async {
        let mut mock = tokio_test::io::Builder::new()
            .read(b"ping\n")
            .write(b"pong\n")
            .build();
        let mut buf = [0u8; 5];
        mock.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping\n");
        mock.write_all(b"pong\n").await.unwrap();
    });

    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let mut recv = tokio_test::task::spawn(async move { rx.recv().await });
    tokio_test::assert_pending!(recv.poll());
    tx.try_send(5).unwrap();
    assert!(recv.is_woken());
    assert_eq!(tokio_test::assert_ready!(recv.poll()), Some(5));
}

#[tokio::test(start_paused = true)]
async fn tokio_test_stream_mock_and_time() {
    let mut mock = tokio_test::stream_mock::StreamMockBuilder::new()
        .next(1)
        .wait(Duration::from_secs(10))
        .next(2)
        .build();
    let start = tokio::time::Instant::now();
    assert_eq!(mock.next().await, Some(1));
    assert_eq!(mock.next().await, Some(2));
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(mock.next().await, None);
}

#[tokio::test]
async fn compat_adapters() {
    use futures::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio_util::compat::{FuturesAsyncReadCompatExt, TokioAsyncReadCompatExt};
    let (a, b) = tokio::io::duplex(64);
    let mut a = a.compat();
    let mut b = b.compat();
    a.write_all(b"through futures io").await.unwrap();
    a.close().await.unwrap();
    let mut s = String::new();
    b.read_to_string(&mut s).await.unwrap();
    assert_eq!(s, "through futures io");
    // And back: a futures reader seen as a tokio one.
    let mut back = futures::io::Cursor::new(b"abc".to_vec()).compat();
    let mut out = Vec::new();
    back.read_to_end(&mut out).await.unwrap();
    assert_eq!(out, b"abc");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_tracker_waits_for_tracked_tasks() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let tracker = tokio_util::task::TaskTracker::new();
    let token = CancellationToken::new();
    let finished = Arc::new(AtomicUsize::new(0));
    for i in 0..20u64 {
        let token = token.clone();
        let finished = finished.clone();
        tracker.spawn(async move {
            tokio::select! {
                _ = token.cancelled() => {}
                _ = tokio::time::sleep(Duration::from_millis(i)) => {}
            }
            finished.fetch_add(1, Ordering::SeqCst);
        });
    }
    // Tracked futures that are not spawned count too.
    let tracked = tracker.track_future(async { 5 });
    assert_eq!(tracker.len(), 21);
    assert!(!tracker.is_closed());
    // wait() does not return while the tracker is open, even with no tasks left.
    let waiting = tokio::time::timeout(Duration::from_millis(20), tracker.wait()).await;
    assert!(waiting.is_err());
    assert_eq!(tracked.await, 5);
    token.cancel();
    tracker.close();
    tracker.wait().await;
    assert_eq!(finished.load(Ordering::SeqCst), 20);
    assert!(tracker.is_empty());
}

#[test]
fn task_tracker_on_local_set_and_local_pool() {
    use std::rc::Rc;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let tracker = tokio_util::task::TaskTracker::new();
    let shared = Rc::new(std::cell::Cell::new(0));
    for _ in 0..10 {
        let shared = shared.clone();
        tracker.spawn_local_on(async move { shared.set(shared.get() + 1) }, &local);
    }
    tracker.close();
    local.block_on(&rt, tracker.wait());
    assert_eq!(shared.get(), 10);

    // LocalPoolHandle: !Send futures pinned to a pool of threads, each a LocalRuntime.
    let pool = tokio_util::task::LocalPoolHandle::new(2);
    let out = rt.block_on(async {
        let mut handles = Vec::new();
        for i in 0..8u32 {
            handles.push(pool.spawn_pinned(move || async move {
                let not_send = Rc::new(i);
                tokio::task::yield_now().await;
                *not_send * 10
            }));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(out, (0..8u32).map(|i| i * 10).sum::<u32>());
}

#[tokio::test]
async fn lines_and_read_dir_streams() {
    use tokio::io::AsyncBufReadExt;
    use tokio_stream::wrappers::{LinesStream, ReadDirStream};
    let reader = tokio::io::BufReader::new(&b"one\ntwo\r\nthree"[..]);
    let lines: Vec<String> = LinesStream::new(reader.lines())
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(lines, ["one", "two", "three"]);

    let dir = std::env::temp_dir().join(format!("magpie-eco-readdir-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await.unwrap();
    for name in ["a", "b", "c"] {
        tokio::fs::write(dir.join(name), name).await.unwrap();
    }
    let mut names: Vec<String> = ReadDirStream::new(tokio::fs::read_dir(&dir).await.unwrap())
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
        .await;
    names.sort();
    assert_eq!(names, ["a", "b", "c"]);
    tokio::fs::remove_dir_all(&dir).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn delay_queue_yields_in_deadline_order() {
    let mut queue = tokio_util::time::DelayQueue::new();
    let start = tokio::time::Instant::now();
    queue.insert("late", Duration::from_secs(30));
    let key = queue.insert("cancelled", Duration::from_secs(5));
    queue.insert("early", Duration::from_secs(10));
    queue.remove(&key);
    let first = queue.next().await.unwrap();
    assert_eq!(*first.get_ref(), "early");
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    let second = queue.next().await.unwrap();
    assert_eq!(*second.get_ref(), "late");
    assert_eq!(start.elapsed(), Duration::from_secs(30));
    assert!(queue.next().await.is_none());
}

#[tokio::test]
async fn stream_reader_and_poll_sender() {
    use tokio_util::io::{ReaderStream, StreamReader};
    use tokio_util::sync::PollSender;
    let chunks = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(Bytes::from_static(b"hello ")),
        Ok(Bytes::from_static(b"world")),
    ]);
    let mut reader = StreamReader::new(chunks);
    let mut s = String::new();
    reader.read_to_string(&mut s).await.unwrap();
    assert_eq!(s, "hello world");
    let back: Vec<Bytes> = ReaderStream::with_capacity(&b"abcdef"[..], 4)
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(
        back,
        [Bytes::from_static(b"abcd"), Bytes::from_static(b"ef")]
    );

    let (tx, mut rx) = mpsc::channel(1);
    let mut sink = PollSender::new(tx);
    let producer = tokio::spawn(async move {
        for i in 0..100 {
            sink.send(i).await.unwrap();
        }
    });
    for i in 0..100 {
        assert_eq!(rx.recv().await, Some(i));
    }
    producer.await.unwrap();
    assert_eq!(rx.recv().await, None);
}

/// tokio-util's `io-util` feature: `read_exact_arc` (built on `AsyncReadExt::read_buf`)
/// over TCP, and `SyncIoBridge` driving async streams from blocking code in
/// `spawn_blocking` (it blocks on the runtime's handle).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn io_util_read_exact_arc_and_sync_bridge() {
    use std::io::{Read, Write};
    use tokio_util::io::{read_exact_arc, SyncIoBridge};

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let sent = payload.clone();
    let writer = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        sock.write_all(&sent).await.unwrap();
        sock.write_all(b"tail").await.unwrap();
    });
    let mut sock = TcpStream::connect(addr).await.unwrap();
    let head = read_exact_arc(&mut sock, payload.len()).await.unwrap();
    assert_eq!(&head[..], &payload[..]);
    let mut tail = Vec::new();
    sock.read_to_end(&mut tail).await.unwrap();
    assert_eq!(tail, b"tail");
    writer.await.unwrap();
    // Too few bytes: an UnexpectedEof error, as on tokio.
    let (mut a, b) = tokio::io::duplex(64);
    a.write_all(b"short").await.unwrap();
    drop(a);
    let err = read_exact_arc(b, 10).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);

    let (client, server) = tokio::io::duplex(1024);
    let echo = tokio::spawn(async move {
        let (mut r, mut w) = tokio::io::split(server);
        tokio::io::copy(&mut r, &mut w).await.unwrap();
        w.shutdown().await.unwrap();
    });
    let got = tokio::task::spawn_blocking(move || {
        let mut bridge = SyncIoBridge::new(client);
        bridge.write_all(b"blocking code, async stream").unwrap();
        bridge.shutdown().unwrap();
        let mut back = String::new();
        bridge.read_to_string(&mut back).unwrap();
        back
    })
    .await
    .unwrap();
    assert_eq!(got, "blocking code, async stream");
    echo.await.unwrap();
}

/// tokio-stream's `signal` feature: `SignalStream` over `tokio::signal::unix::signal`.
#[tokio::test]
async fn signal_stream_yields_each_delivery() {
    use tokio::signal::unix::{signal, SignalKind};
    use tokio_stream::wrappers::SignalStream;

    let mut stream = SignalStream::new(signal(SignalKind::user_defined1()).unwrap());
    for _ in 0..3 {
        // SAFETY: a handler for SIGUSR1 is installed (the listener above).
        assert_eq!(unsafe { libc::raise(libc::SIGUSR1) }, 0);
        tokio::time::timeout(Duration::from_secs(30), stream.next())
            .await
            .expect("SIGUSR1 never arrived")
            .expect("the stream ended");
    }
}
