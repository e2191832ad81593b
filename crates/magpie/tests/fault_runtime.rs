//! Faults a runtime must survive: a task whose `Drop` panics, a waker used after its runtime
//! is gone, a task woken a million times while it runs, spawning from `Drop` during shutdown,
//! a panicking `on_thread_start`, a future that never completes, and file-descriptor
//! exhaustion (in a child process with a low `RLIMIT_NOFILE`).
//!
//! Each test runs under a watchdog: a hang is a failure with the test's name, not a stuck CI.

use std::future::{pending, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use magpie::runtime::{Builder, Runtime};

/// Runs `f` on its own thread and fails if it does not finish within a minute.
fn watchdog<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std_mpsc::channel();
    let t = std::thread::spawn(move || {
        let r = catch_unwind(AssertUnwindSafe(f));
        let _ = tx.send(());
        r
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => match t.join().unwrap() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(_) => panic!("{name}: hung for 60 s"),
    }
}

fn multi(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

fn runtimes() -> Vec<Runtime> {
    vec![
        multi(2),
        Builder::new_current_thread().enable_all().build().unwrap(),
    ]
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string payload>".into())
}

/// Counts drops; panics in `Drop` with `msg` when set.
struct DropProbe {
    drops: Arc<AtomicUsize>,
    panic_msg: Option<&'static str>,
}
impl Drop for DropProbe {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        if let Some(m) = self.panic_msg {
            panic!("{m}");
        }
    }
}

#[test]
fn task_whose_drop_panics() {
    watchdog("task_whose_drop_panics", || {
        for rt in runtimes() {
            let drops = Arc::new(AtomicUsize::new(0));
            // 1. Completes, then its future's Drop panics: the JoinHandle sees the panic.
            let probe = DropProbe {
                drops: drops.clone(),
                panic_msg: Some("drop after completion"),
            };
            let err = rt
                .block_on(rt.spawn(async move {
                    let _p = probe;
                    5
                }))
                .unwrap_err();
            assert!(err.is_panic());
            assert_eq!(payload_text(&*err.into_panic()), "drop after completion");

            // 2. Aborted while pending, its Drop panics: the JoinHandle gets an error, the
            //    worker survives.
            let probe = DropProbe {
                drops: drops.clone(),
                panic_msg: Some("drop on abort"),
            };
            let h = rt.spawn(async move {
                let _p = probe;
                pending::<()>().await
            });
            rt.block_on(async { magpie::time::sleep(Duration::from_millis(5)).await });
            h.abort();
            let err = rt.block_on(h).unwrap_err();
            assert!(err.is_panic() || err.is_cancelled(), "{err:?}");

            // 3. The runtime still runs tasks.
            assert_eq!(rt.block_on(rt.spawn(async { 9 })).unwrap(), 9);

            // 4. Pending at shutdown, its Drop panics: dropping the runtime completes.
            for _ in 0..4 {
                let probe = DropProbe {
                    drops: drops.clone(),
                    panic_msg: Some("drop at shutdown"),
                };
                rt.spawn(async move {
                    let _p = probe;
                    pending::<()>().await
                });
            }
            drop(rt);
            assert_eq!(drops.load(SeqCst), 6, "every future dropped exactly once");
        }
    });
}

#[test]
fn waker_used_from_a_foreign_thread_after_the_runtime_is_gone() {
    watchdog("waker_after_runtime", || {
        for rt in runtimes() {
            let drops = Arc::new(AtomicUsize::new(0));
            let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
            let (s2, d2) = (slot.clone(), drops.clone());
            // The task parks its waker and never completes.
            rt.spawn(async move {
                let _p = DropProbe {
                    drops: d2,
                    panic_msg: None,
                };
                std::future::poll_fn(|cx| {
                    *s2.lock().unwrap() = Some(cx.waker().clone());
                    Poll::<()>::Pending
                })
                .await
            });
            // Drive the runtime (a current-thread one runs tasks only inside block_on).
            rt.block_on(async {
                while slot.lock().unwrap().is_none() {
                    magpie::task::yield_now().await;
                }
            });
            let waker = slot.lock().unwrap().take().unwrap();
            let extra = waker.clone();
            let t = std::thread::spawn(move || {
                // Hold the wakers until the runtime has gone.
                std::thread::sleep(Duration::from_millis(20));
                waker.wake_by_ref();
                let again = waker.clone();
                waker.wake();
                again.wake();
                extra
            });
            drop(rt);
            assert_eq!(
                drops.load(SeqCst),
                1,
                "the pending future is dropped at shutdown"
            );
            let extra = t.join().unwrap();
            extra.wake_by_ref();
            drop(extra);
            assert_eq!(
                drops.load(SeqCst),
                1,
                "a late wake does not touch the future"
            );
        }
    });
}

/// Wakes itself `n` times by reference and by value (from clones) on its first poll.
struct SelfWaker {
    polls: Arc<AtomicUsize>,
    n: usize,
}
impl Future for SelfWaker {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let polls = self.polls.fetch_add(1, SeqCst) + 1;
        if polls == 1 {
            for i in 0..self.n {
                if i % 2 == 0 {
                    cx.waker().wake_by_ref();
                } else {
                    #[allow(clippy::waker_clone_wake)] // wake by value on purpose
                    cx.waker().clone().wake();
                }
            }
            return Poll::Pending;
        }
        Poll::Ready(polls)
    }
}

#[test]
fn task_woken_a_million_times_while_running() {
    watchdog("woken_a_million_times", || {
        for rt in runtimes() {
            let polls = Arc::new(AtomicUsize::new(0));
            let p = polls.clone();
            let n = rt
                .block_on(rt.spawn(SelfWaker {
                    polls: p,
                    n: 1_000_000,
                }))
                .unwrap();
            // A million wakes while running coalesce into one more poll.
            assert_eq!(n, 2);
            assert_eq!(polls.load(SeqCst), 2);

            // And from a foreign thread while the task runs (it busy-waits inside its poll,
            // so this needs a runtime with its own worker threads).
            if !matches!(
                rt.handle().runtime_flavor(),
                magpie::runtime::RuntimeFlavor::MultiThread
            ) {
                continue;
            }
            let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
            let running = Arc::new(AtomicBool::new(false));
            let done = Arc::new(AtomicBool::new(false));
            let (s2, r2, d2) = (slot.clone(), running.clone(), done.clone());
            let polls = Arc::new(AtomicUsize::new(0));
            let p2 = polls.clone();
            let h = rt.spawn(std::future::poll_fn(move |cx| {
                let n = p2.fetch_add(1, SeqCst);
                if n == 0 {
                    *s2.lock().unwrap() = Some(cx.waker().clone());
                    r2.store(true, SeqCst);
                    // Stay "running" while the foreign thread wakes us.
                    while !d2.load(SeqCst) {
                        std::thread::yield_now();
                    }
                    return Poll::Pending;
                }
                Poll::Ready(())
            }));
            while !running.load(SeqCst) {
                std::thread::yield_now();
            }
            let w = slot.lock().unwrap().take().unwrap();
            for _ in 0..1_000_000 {
                w.wake_by_ref();
            }
            drop(w);
            done.store(true, SeqCst);
            rt.block_on(h).unwrap();
            assert_eq!(polls.load(SeqCst), 2);
        }
    });
}

/// Spawns a task (counted) when dropped.
struct SpawnOnDrop {
    handle: magpie::runtime::Handle,
    spawned_drops: Arc<AtomicUsize>,
    spawn_results: Arc<Mutex<Vec<bool>>>,
}
impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        let probe = DropProbe {
            drops: self.spawned_drops.clone(),
            panic_msg: None,
        };
        // Through the runtime's handle, and through the ambient context when there is one.
        let h = self.handle.spawn(async move {
            let _p = probe;
            pending::<()>().await
        });
        drop(h);
        let probe = DropProbe {
            drops: self.spawned_drops.clone(),
            panic_msg: None,
        };
        let ok = catch_unwind(AssertUnwindSafe(|| {
            magpie::spawn(async move {
                let _p = probe;
                pending::<()>().await
            })
        }))
        .is_ok();
        self.spawn_results.lock().unwrap().push(ok);
    }
}

#[test]
fn spawning_from_drop_during_shutdown() {
    watchdog("spawn_from_drop", || {
        for rt in runtimes() {
            let spawned_drops = Arc::new(AtomicUsize::new(0));
            let results: Arc<Mutex<Vec<bool>>> = Arc::default();
            const TASKS: usize = 8;
            for _ in 0..TASKS {
                let g = SpawnOnDrop {
                    handle: rt.handle().clone(),
                    spawned_drops: spawned_drops.clone(),
                    spawn_results: results.clone(),
                };
                rt.spawn(async move {
                    let _g = g;
                    pending::<()>().await
                });
            }
            drop(rt);
            let results = results.lock().unwrap();
            assert_eq!(results.len(), TASKS, "every task's future was dropped");
            // Every task spawned during shutdown was cancelled and its future dropped: one
            // per handle spawn, one per ambient spawn that did not panic.
            let ambient = results.iter().filter(|ok| **ok).count();
            assert_eq!(spawned_drops.load(SeqCst), TASKS + ambient);
        }
    });
}

#[test]
fn on_thread_start_panicking_does_not_hang() {
    watchdog("on_thread_start_panics", || {
        let calls = Arc::new(AtomicUsize::new(0));
        let c2 = calls.clone();
        let built = catch_unwind(AssertUnwindSafe(|| {
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .on_thread_start(move || {
                    c2.fetch_add(1, SeqCst);
                    panic!("on_thread_start failed");
                })
                .build()
        }));
        // The hook's panic is reported (by the panic hook) and every runtime thread still
        // does its job: spawned tasks run and dropping the runtime does not wait forever.
        let rt = built.expect("build must not panic").expect("build");
        let v = rt.block_on(async {
            let a = magpie::spawn(async { 1 }).await.unwrap();
            let b = magpie::task::spawn_blocking(|| 2).await.unwrap();
            a + b
        });
        assert_eq!(v, 3);
        drop(rt);
        assert!(calls.load(SeqCst) >= 1, "the hook ran");
    });
}

#[test]
fn future_that_never_completes_and_shutdown_timeout() {
    watchdog("never_completes", || {
        let rt = multi(2);
        let drops = Arc::new(AtomicUsize::new(0));
        // block_on of a never-ready future bounded by a timeout returns Elapsed.
        let r = rt.block_on(async {
            magpie::time::timeout(Duration::from_millis(20), pending::<()>()).await
        });
        assert!(r.is_err());
        // A never-completing task and a blocking job that outlives the timeout.
        // Built outside the async block, so it is counted even if the task is never polled.
        let probe = DropProbe {
            drops: drops.clone(),
            panic_msg: None,
        };
        rt.spawn(async move {
            let _p = probe;
            pending::<()>().await
        });
        let (release_tx, release_rx) = std_mpsc::channel::<()>();
        let (started_tx, started_rx) = std_mpsc::channel::<()>();
        let blocking = rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv();
        });
        started_rx.recv().unwrap();
        drop(blocking);
        rt.shutdown_timeout(Duration::from_millis(100));
        // The workers drop the pending task during shutdown without waiting for the blocking
        // job; on a loaded machine that may end after the timeout, so wait (bounded).
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while drops.load(SeqCst) == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(drops.load(SeqCst), 1, "the pending task was dropped");
        // Let the blocking thread finish now that shutdown returned without it.
        release_tx.send(()).unwrap();

        // A runtime on another thread blocked on a never-ready future: shutting down another
        // runtime does not affect it, and it is released through its own timeout.
        let t = std::thread::spawn(|| {
            let rt = Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                magpie::time::timeout(Duration::from_millis(20), pending::<()>())
                    .await
                    .is_err()
            })
        });
        assert!(t.join().unwrap());
    });
}

const FD_CHILD_ENV: &str = "MAGPIE_FAULT_FD_CHILD";
const FD_LIMIT: usize = 64;

#[test]
fn fd_exhaustion_gives_errors_not_panics() {
    if std::env::var_os(FD_CHILD_ENV).is_some() {
        return fd_exhaustion_child();
    }
    // `ulimit -n` in a shell lowers RLIMIT_NOFILE for the re-executed test binary only.
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n {FD_LIMIT} && exec \"$0\" --exact fd_exhaustion_gives_errors_not_panics --nocapture --test-threads=1"
        ))
        .arg(exe)
        .env(FD_CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("fd-exhaustion-checked"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Opens `/dev/null` until the table is full.
fn exhaust() -> Vec<std::fs::File> {
    let mut hoard = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => hoard.push(f),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(24 /* EMFILE */), "{e}");
                return hoard;
            }
        }
    }
}

fn fd_exhaustion_child() {
    let start = open_fds();
    assert!(start < FD_LIMIT, "limit applied: {start} fds open");

    // Building a runtime with no fds left is an error (epoll/eventfd fail), not a panic.
    let mut hoard = exhaust();
    let built = catch_unwind(|| {
        Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
    });
    match built {
        Ok(Err(e)) => println!("build without fds: {e}"),
        Ok(Ok(_)) => panic!("a runtime with an I/O driver was built without a free fd"),
        Err(p) => panic!(
            "build panicked instead of returning an error: {}",
            payload_text(&*p)
        ),
    }
    hoard.clear();
    // The failed build leaked nothing.
    assert_eq!(open_fds(), start);

    let rt = multi(1);
    rt.block_on(async {
        let listener = magpie::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _queued = std::net::TcpStream::connect(addr).unwrap();
        let mut hoard = exhaust();
        // No fd left: connect and accept fail with the OS error.
        let e = magpie::net::TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(24), "{e}");
        let e = listener.accept().await.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(24), "{e}");
        // Files fail the same way through the blocking pool.
        assert!(magpie::fs::File::open("/dev/null").await.is_err());
        hoard.truncate(hoard.len() - 4);
        // With fds back, the listener still works and the queued connection is accepted.
        let (s, _) = listener.accept().await.unwrap();
        drop(s);
        let c = magpie::net::TcpStream::connect(addr).await.unwrap();
        let (s, _) = listener.accept().await.unwrap();
        drop((c, s));
        drop(hoard);
    });
    drop(rt);
    assert_eq!(open_fds(), start, "the runtime closed every fd it opened");
    println!("fd-exhaustion-checked");
}
