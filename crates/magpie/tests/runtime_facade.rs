//! The facade's runtime with its drivers: timers, sockets, channels and blocking work
//! together, on both flavors.

use std::time::Duration;

use magpie::io::{AsyncReadExt, AsyncWriteExt};
use magpie::net::{TcpListener, TcpStream};
use magpie::runtime::Builder;
use magpie::sync::{mpsc, oneshot, Semaphore};
use magpie::time::{sleep, timeout, Instant};

fn flavors() -> Vec<magpie::runtime::Runtime> {
    vec![
        Builder::new_current_thread().enable_all().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ]
}

#[test]
fn sleep_and_timeout() {
    for rt in flavors() {
        rt.block_on(async {
            let start = Instant::now();
            sleep(Duration::from_millis(20)).await;
            assert!(start.elapsed() >= Duration::from_millis(20));
            let r = timeout(Duration::from_millis(10), std::future::pending::<()>()).await;
            assert!(r.is_err());
            let r = timeout(Duration::from_secs(10), async { 5 }).await;
            assert_eq!(r.unwrap(), 5);
        });
    }
}

#[test]
fn concurrent_sleeps_overlap() {
    // On a paused clock time moves only by the sleeps themselves, so the elapsed virtual
    // time tells concurrent (50 ms) from sequential (500 ms) without any wall-clock bound.
    let rt = Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let hs: Vec<_> = (0..10)
            .map(|_| magpie::spawn(sleep(Duration::from_millis(50))))
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(50),
            "woke early: {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_millis(100),
            "slept in sequence: {elapsed:?}"
        );
    });
}

#[test]
fn channels_between_tasks() {
    for rt in flavors() {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(8);
            for i in 0..4 {
                let tx = tx.clone();
                magpie::spawn(async move {
                    for j in 0..100 {
                        tx.send(i * 100 + j).await.unwrap();
                    }
                });
            }
            drop(tx);
            let mut sum = 0;
            while let Some(v) = rx.recv().await {
                sum += v;
            }
            assert_eq!(sum, (0..400).sum::<i32>());
            let (otx, orx) = oneshot::channel();
            magpie::spawn(async move { otx.send(9).unwrap() });
            assert_eq!(orx.await.unwrap(), 9);
        });
    }
}

#[test]
fn semaphore_limits_concurrency() {
    for rt in flavors() {
        rt.block_on(async {
            let sem = std::sync::Arc::new(Semaphore::new(3));
            let active = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let hs: Vec<_> = (0..10)
                .map(|_| {
                    let (sem, active, peak) = (sem.clone(), active.clone(), peak.clone());
                    magpie::spawn(async move {
                        let _p = sem.acquire().await.unwrap();
                        let now = active.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        peak.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                        sleep(Duration::from_millis(5)).await;
                        active.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
            assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 3);
        });
    }
}

#[test]
fn tcp_echo() {
    for rt in flavors() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            magpie::spawn(async move {
                loop {
                    let (mut sock, _) = listener.accept().await.unwrap();
                    magpie::spawn(async move {
                        let mut buf = vec![0; 1024];
                        loop {
                            let n = sock.read(&mut buf).await.unwrap();
                            if n == 0 {
                                return;
                            }
                            sock.write_all(&buf[..n]).await.unwrap();
                        }
                    });
                }
            });
            let mut clients = Vec::new();
            for i in 0..8u8 {
                clients.push(magpie::spawn(async move {
                    let mut s = TcpStream::connect(addr).await.unwrap();
                    let msg = vec![i; 4096];
                    s.write_all(&msg).await.unwrap();
                    let mut back = vec![0; 4096];
                    s.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, msg);
                }));
            }
            for c in clients {
                c.await.unwrap();
            }
        });
    }
}

#[test]
fn paused_clock_auto_advances() {
    let rt = Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        sleep(Duration::from_secs(3600)).await;
        assert!(start.elapsed() >= Duration::from_secs(3600));
    });
}

#[test]
#[should_panic(expected = "enable_time")]
fn timer_without_time_driver_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        sleep(Duration::from_millis(1)).await;
    });
}

#[test]
fn spawn_blocking_from_facade() {
    for rt in flavors() {
        let v = rt.block_on(async { magpie::task::spawn_blocking(|| 21 * 2).await.unwrap() });
        assert_eq!(v, 42);
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 1)).unwrap(), 1);
    }
}

#[test]
#[should_panic(expected = "Cannot block the current thread from within a runtime")]
fn blocking_recv_inside_runtime_panics() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (_tx, mut rx) = mpsc::channel::<()>(1);
        let _ = rx.blocking_recv();
    });
}
