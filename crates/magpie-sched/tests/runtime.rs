//! Integration tests of the runtime: spawning, joining, aborting, panics, blocking work,
//! shutdown accounting and misuse, on both scheduler flavors.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use magpie_sched::runtime::{Builder, Handle, Runtime, RuntimeFlavor};
use magpie_sched::task::JoinError;

fn rts() -> Vec<Runtime> {
    vec![
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
        Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap(),
    ]
}

/// A future that never completes and counts its drops.
struct Pending(Arc<AtomicUsize>);
impl Future for Pending {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}
impl Drop for Pending {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Pending until its waker (sent out on first poll) is woken.
struct WaitWake(Option<mpsc::Sender<Waker>>, bool);
impl Future for WaitWake {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.1 {
            return Poll::Ready(());
        }
        if let Some(tx) = self.0.take() {
            tx.send(cx.waker().clone()).unwrap();
            self.1 = true;
            return Poll::Pending;
        }
        Poll::Ready(())
    }
}

#[test]
fn spawn_and_join() {
    for rt in rts() {
        let out = rt.block_on(async {
            let hs: Vec<_> = (0..100)
                .map(|i| magpie_sched::spawn(async move { i * 2 }))
                .collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(out, (0..100).map(|i| i * 2).sum::<i32>());
    }
}

#[test]
fn spawn_from_outside_and_foreign_threads() {
    for rt in rts() {
        let handle = rt.handle().clone();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let handle = handle.clone();
                std::thread::spawn(move || {
                    (0..250)
                        .map(|i| handle.spawn(async move { t * 1000 + i }))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let joins: Vec<_> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let total: usize = rt.block_on(async {
            let mut total = 0;
            for j in joins {
                total += j.await.unwrap();
            }
            total
        });
        let want: usize = (0..4)
            .flat_map(|t| (0..250).map(move |i| t * 1000 + i))
            .sum();
        assert_eq!(total, want);
    }
}

#[test]
fn panic_is_delivered_and_worker_survives() {
    for rt in rts() {
        rt.block_on(async {
            let err = magpie_sched::spawn(async { panic!("boom") })
                .await
                .unwrap_err();
            assert!(err.is_panic());
            assert!(!err.is_cancelled());
            assert!(
                err.to_string().contains("panicked with message \"boom\""),
                "{err}"
            );
            let payload = err.into_panic();
            assert_eq!(*payload.downcast_ref::<&str>().unwrap(), "boom");
            // The runtime still works.
            assert_eq!(magpie_sched::spawn(async { 7 }).await.unwrap(), 7);
        });
    }
}

#[test]
fn abort_idle_task() {
    for rt in rts() {
        let drops = Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        rt.block_on(async move {
            let h = magpie_sched::spawn(Pending(d));
            magpie_sched::yield_now().await;
            h.abort();
            let err: JoinError = h.await.unwrap_err();
            assert!(err.is_cancelled());
            assert_eq!(err.to_string(), format!("task {} was cancelled", err.id()));
        });
        assert_eq!(drops.load(SeqCst), 1);
    }
}

#[test]
fn abort_handle_and_is_finished() {
    for rt in rts() {
        rt.block_on(async {
            let h = magpie_sched::spawn(std::future::pending::<()>());
            let ah = h.abort_handle();
            assert_eq!(ah.id(), h.id());
            assert!(!h.is_finished());
            ah.abort();
            assert!(h.await.unwrap_err().is_cancelled());
            assert!(ah.is_finished());
        });
    }
}

#[test]
fn dropping_join_handle_detaches() {
    // On the current-thread runtime the task would only run inside a later `block_on`.
    for rt in rts().into_iter().skip(1) {
        let (tx, rx) = mpsc::channel();
        rt.block_on(async move {
            drop(magpie_sched::spawn(async move {
                magpie_sched::yield_now().await;
                tx.send(5).unwrap();
            }));
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 5);
    }
}

#[test]
fn wake_from_foreign_thread() {
    for rt in rts() {
        let (tx, rx) = mpsc::channel();
        let h = rt.spawn(WaitWake(Some(tx), false));
        rt.block_on(magpie_sched::yield_now());
        let waker = rx.recv().unwrap();
        std::thread::spawn(move || waker.wake()).join().unwrap();
        rt.block_on(h).unwrap();
    }
}

#[test]
fn shutdown_drops_every_future_once() {
    for rt in rts() {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut joins = Vec::new();
        for _ in 0..1000 {
            joins.push(rt.spawn(Pending(drops.clone())));
        }
        // Some tasks polled (idle), some maybe still queued.
        rt.block_on(magpie_sched::yield_now());
        drop(rt);
        assert_eq!(drops.load(SeqCst), 1000);
        let rt2 = Builder::new_current_thread().build().unwrap();
        for j in joins {
            assert!(rt2.block_on(j).unwrap_err().is_cancelled());
        }
    }
}

#[test]
fn wake_after_runtime_gone_is_noop() {
    for rt in rts() {
        let (tx, rx) = mpsc::channel();
        let _h = rt.spawn(WaitWake(Some(tx), false));
        rt.block_on(magpie_sched::yield_now());
        let waker = rx.recv().unwrap();
        drop(rt);
        waker.wake_by_ref();
        waker.wake();
    }
}

#[test]
fn spawn_after_shutdown_is_cancelled() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    drop(rt);
    let drops = Arc::new(AtomicUsize::new(0));
    let h = handle.spawn(Pending(drops.clone()));
    assert_eq!(drops.load(SeqCst), 1);
    let rt2 = Builder::new_current_thread().build().unwrap();
    assert!(rt2.block_on(h).unwrap_err().is_cancelled());
}

#[test]
fn spawn_blocking_runs_off_workers() {
    for rt in rts() {
        let out = rt.block_on(async {
            let hs: Vec<_> = (0..20)
                .map(|i| {
                    magpie_sched::spawn_blocking(move || {
                        std::thread::sleep(Duration::from_millis(5));
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(out, (0..20).sum::<i32>());
        assert!(rt.metrics().num_blocking_threads() >= 1);
    }
}

#[test]
fn blocking_pool_respects_cap() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(2)
        .build()
        .unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let hs: Vec<_> = (0..8)
            .map(|_| {
                let running = running.clone();
                let peak = peak.clone();
                magpie_sched::spawn_blocking(move || {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                    running.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    assert!(peak.load(SeqCst) <= 2);
    assert!(rt.metrics().num_blocking_threads() <= 2);
}

/// `n` blocking jobs that can only finish together: each waits (up to a generous bound, so
/// a bug fails instead of hanging) until all `n` are running at once. Returns how many saw
/// all the others.
async fn blocking_rendezvous(n: usize) -> usize {
    let arrived = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..n)
        .map(|_| {
            let arrived = arrived.clone();
            magpie_sched::spawn_blocking(move || {
                arrived.fetch_add(1, SeqCst);
                let give_up = std::time::Instant::now() + Duration::from_secs(20);
                while arrived.load(SeqCst) < n && std::time::Instant::now() < give_up {
                    std::thread::sleep(Duration::from_micros(200));
                }
                arrived.load(SeqCst) >= n
            })
        })
        .collect();
    let mut together = 0;
    for h in hs {
        together += usize::from(h.await.unwrap());
    }
    together
}

/// Bursts of short jobs (a thread that finishes one takes the next queued job, so woken
/// threads often find nothing and new jobs are covered without a wake-up), then jobs that
/// block until all of them run: each still gets its own thread.
#[test]
fn blocking_jobs_that_wait_for_each_other_each_get_a_thread() {
    for rt in rts() {
        rt.block_on(async {
            for round in 0..5 {
                let hs: Vec<_> = (0..200)
                    .map(|i| magpie_sched::spawn_blocking(move || i * 2))
                    .collect();
                for (i, h) in hs.into_iter().enumerate() {
                    assert_eq!(h.await.unwrap(), i * 2);
                }
                assert_eq!(blocking_rendezvous(8 + round).await, 8 + round);
            }
        });
    }
}

/// Idle pool threads time out all the time (1 ms keep-alive) while jobs keep arriving from
/// several spawners: no job is lost between a thread timing out and a wake-up meant for it.
#[test]
fn blocking_hand_off_races_idle_timeouts() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .thread_keep_alive(Duration::from_millis(1))
        .build()
        .unwrap();
    rt.block_on(async {
        for round in 0..20u64 {
            let spawners: Vec<_> = (0..4u64)
                .map(|s| {
                    magpie_sched::spawn(async move {
                        let hs: Vec<_> = (0..50u64)
                            .map(|i| magpie_sched::spawn_blocking(move || s * 1000 + i))
                            .collect();
                        let mut sum = 0;
                        for h in hs {
                            sum += h.await.unwrap();
                        }
                        sum
                    })
                })
                .collect();
            for (s, h) in spawners.into_iter().enumerate() {
                let s = s as u64;
                assert_eq!(h.await.unwrap(), s * 1000 * 50 + (0..50).sum::<u64>());
            }
            if round % 5 == 4 {
                // Let every idle thread time out before the next burst.
                std::thread::sleep(Duration::from_millis(5));
                assert_eq!(blocking_rendezvous(6).await, 6);
            }
        }
    });
}

#[test]
fn blocking_panic_is_delivered() {
    let rt = Builder::new_current_thread().build().unwrap();
    let err = rt
        .block_on(rt.spawn_blocking(|| panic!("in blocking")))
        .unwrap_err();
    assert!(err.is_panic());
}

#[test]
fn handle_current_and_flavor() {
    let rt = Builder::new_current_thread().build().unwrap();
    assert!(Handle::try_current().is_err());
    assert!(Handle::try_current().unwrap_err().is_missing_context());
    rt.block_on(async {
        assert_eq!(
            Handle::current().runtime_flavor(),
            RuntimeFlavor::CurrentThread
        );
    });
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    {
        let _g = rt.enter();
        assert_eq!(
            Handle::current().runtime_flavor(),
            RuntimeFlavor::MultiThread
        );
        let h = magpie_sched::spawn(async { 1 });
        assert_eq!(rt.block_on(h).unwrap(), 1);
    }
    assert!(Handle::try_current().is_err());
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn spawn_outside_runtime_panics() {
    drop(magpie_sched::spawn(async {}));
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn nested_block_on_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    let rt2 = Builder::new_current_thread().build().unwrap();
    rt.block_on(async move {
        rt2.block_on(async {});
    });
}

#[test]
#[should_panic(expected = "Worker threads cannot be set to 0")]
fn zero_workers_panics() {
    Builder::new_multi_thread().worker_threads(0);
}

#[test]
#[should_panic(expected = "Max blocking threads cannot be set to 0")]
fn zero_blocking_threads_panics() {
    Builder::new_multi_thread().max_blocking_threads(0);
}

#[test]
fn task_ids() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    assert!(magpie_sched::task::try_id().is_none());
    rt.block_on(async {
        let h = magpie_sched::spawn(async { magpie_sched::task::id() });
        let id = h.id();
        assert_eq!(h.await.unwrap(), id);
    });
}

#[test]
fn million_spawns_exact_accounting() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let n = 1_000_000;
    rt.block_on(async move {
        let mut hs = Vec::with_capacity(1000);
        for _ in 0..n / 1000 {
            for _ in 0..1000 {
                let c = c.clone();
                hs.push(magpie_sched::spawn(async move {
                    c.fetch_add(1, SeqCst);
                }));
            }
            for h in hs.drain(..) {
                h.await.unwrap();
            }
        }
    });
    assert_eq!(count.load(SeqCst), n);
    // A JoinHandle is woken just before its task leaves the owned list, so the count may
    // trail by a few for a moment.
    let mut spins = 0;
    while rt.metrics().num_alive_tasks() != 0 {
        spins += 1;
        assert!(
            spins < 1_000_000,
            "tasks still alive: {}",
            rt.metrics().num_alive_tasks()
        );
        std::thread::yield_now();
    }
}

#[test]
fn metrics_count_work() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        for _ in 0..1000 {
            magpie_sched::spawn(async {}).await.unwrap();
        }
    });
    let m = rt.metrics();
    assert_eq!(m.num_workers(), 2);
    let polls: u64 = (0..2).map(|w| m.worker_poll_count(w)).sum();
    // Published at maintenance and parks, so allow lag, but most polls show.
    assert!(polls > 500, "polls = {polls}");
}

/// Waits (up to a generous bound, for a loaded machine) until `cond` holds.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// tokio's stable worker metrics: the park/unpark count is odd exactly while the worker is
/// parked, and time spent running a task counts as busy.
#[test]
fn park_unpark_count_and_busy_duration() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let m = rt.metrics();
    eventually("the idle worker parks", || {
        m.worker_park_unpark_count(0) % 2 == 1
    });
    let before = m.worker_park_unpark_count(0);
    let busy_before = m.worker_total_busy_duration(0);
    rt.block_on(async {
        magpie_sched::spawn(async { std::thread::sleep(Duration::from_millis(30)) })
            .await
            .unwrap();
    });
    eventually("the worker parks again", || {
        let n = m.worker_park_unpark_count(0);
        n % 2 == 1 && n > before
    });
    let busy = m.worker_total_busy_duration(0) - busy_before;
    assert!(busy >= Duration::from_millis(30), "busy only {busy:?}");

    let rt = Builder::new_current_thread().build().unwrap();
    let m = rt.metrics();
    assert_eq!(m.worker_park_unpark_count(0), 0);
    rt.block_on(async {
        std::thread::sleep(Duration::from_millis(20));
        // Something to wait for from outside, so the thread parks once.
        let (tx, rx) = mpsc::channel::<Waker>();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        let waker_thread = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            std::thread::sleep(Duration::from_millis(5));
            flag.store(true, SeqCst);
            waker.wake();
        });
        let mut sent = Some(tx);
        std::future::poll_fn(|cx| {
            if done.load(SeqCst) {
                return Poll::Ready(());
            }
            if let Some(tx) = sent.take() {
                tx.send(cx.waker().clone()).unwrap();
            }
            Poll::Pending
        })
        .await;
        waker_thread.join().unwrap();
    });
    let n = m.worker_park_unpark_count(0);
    assert!(n >= 2 && n % 2 == 0, "park/unpark count {n} after block_on");
    assert!(m.worker_total_busy_duration(0) >= Duration::from_millis(20));
}

#[test]
fn yield_now_lets_others_run() {
    let rt = Builder::new_current_thread().build().unwrap();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let o = order.clone();
    rt.block_on(async move {
        let o2 = o.clone();
        let h = magpie_sched::spawn(async move {
            o2.lock().unwrap().push("spawned");
        });
        magpie_sched::yield_now().await;
        o.lock().unwrap().push("main");
        h.await.unwrap();
    });
    assert_eq!(*order.lock().unwrap(), vec!["spawned", "main"]);
}

/// On a worker, a task that yields runs again only after the tasks that became ready
/// meanwhile (here one it spawned, and one woken from outside the runtime).
#[test]
fn yielded_task_runs_after_ready_peers_on_a_worker() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let o = order.clone();
    rt.block_on(async move {
        magpie_sched::spawn(async move {
            let o2 = o.clone();
            let child = magpie_sched::spawn(async move {
                o2.lock().unwrap().push("child");
            });
            for _ in 0..3 {
                magpie_sched::yield_now().await;
            }
            o.lock().unwrap().push("yielder");
            child.await.unwrap();
        })
        .await
        .unwrap();
    });
    assert_eq!(*order.lock().unwrap(), vec!["child", "yielder"]);
}

/// Tasks yield in a loop while some of them hand their worker's core to a new thread
/// (`block_in_place`) between yields: yielded tasks travel with the core or, if they yield
/// after it left, are queued from the old thread; every task finishes its count.
#[test]
fn yields_across_block_in_place() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let total = rt.block_on(async {
        let hs: Vec<_> = (0..40usize)
            .map(|t| {
                magpie_sched::spawn(async move {
                    let mut n = 0;
                    for i in 0..200usize {
                        magpie_sched::yield_now().await;
                        if t % 4 == 0 && i % 50 == 0 {
                            magpie_sched::block_in_place(|| {
                                std::thread::sleep(Duration::from_micros(100))
                            });
                            // Yield straight after: this poll runs on the old thread.
                            magpie_sched::yield_now().await;
                        }
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for h in hs {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(total, 40 * 200);
}

#[test]
fn panic_in_drop_does_not_take_down_runtime() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("drop bomb");
        }
    }
    for rt in rts() {
        rt.block_on(async {
            let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let s = started.clone();
            let h = magpie_sched::spawn(async move {
                let _b = Bomb;
                s.store(true, SeqCst);
                std::future::pending::<()>().await;
            });
            while !started.load(SeqCst) {
                magpie_sched::yield_now().await;
            }
            h.abort();
            let err = h.await.unwrap_err();
            assert!(err.is_panic(), "{err:?}");
            assert_eq!(magpie_sched::spawn(async { 3 }).await.unwrap(), 3);
        });
        // And one left for shutdown.
        rt.spawn(async {
            let _b = Bomb;
            std::future::pending::<()>().await;
        });
        drop(rt);
    }
}

#[test]
fn shutdown_timeout_returns_with_stuck_blocking_task() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    rt.spawn_blocking(move || {
        let _ = rx.recv_timeout(Duration::from_secs(30));
    });
    rt.shutdown_timeout(Duration::from_millis(50));
    drop(tx);
}

#[test]
fn thread_hooks_and_names() {
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (s, t) = (started.clone(), stopped.clone());
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .thread_name("hooked")
        .on_thread_start(move || {
            s.fetch_add(1, SeqCst);
        })
        .on_thread_stop(move || {
            t.fetch_add(1, SeqCst);
        })
        .build()
        .unwrap();
    let name = rt.block_on(async {
        magpie_sched::spawn(async { std::thread::current().name().map(String::from) })
            .await
            .unwrap()
    });
    assert_eq!(name.as_deref(), Some("hooked"));
    drop(rt);
    assert_eq!(started.load(SeqCst), 3);
    assert_eq!(stopped.load(SeqCst), 3);
}

#[test]
fn self_referential_future_is_dropped_in_place() {
    // A future that borrows its own state across an await; its drop reads through the
    // borrow, which would read freed or overwritten memory if the future were moved first.
    struct Reader<'a>(&'a [u64; 8], Arc<AtomicUsize>);
    impl Drop for Reader<'_> {
        fn drop(&mut self) {
            self.1.store(self.0.iter().sum::<u64>() as usize, SeqCst);
        }
    }
    for rt in rts() {
        let seen = Arc::new(AtomicUsize::new(0));
        let s = seen.clone();
        let (tx, rx) = mpsc::channel();
        let h = rt.spawn(async move {
            let data = [1u64; 8];
            let _reader = Reader(&data, s);
            tx.send(()).unwrap();
            std::future::pending::<()>().await;
        });
        rt.block_on(async {
            while rx.try_recv().is_err() {
                magpie_sched::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(seen.load(SeqCst), 8);
        drop(h);
    }
}

#[test]
fn block_in_place_keeps_other_tasks_running() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let out = rt.block_on(async move {
        // With one worker, the blocked task would stall everything without the hand-off.
        let blocker = magpie_sched::spawn(async move {
            magpie_sched::block_in_place(|| rx.recv_timeout(Duration::from_secs(30)).is_ok())
        });
        let other = magpie_sched::spawn(async move {
            for _ in 0..10 {
                magpie_sched::yield_now().await;
            }
            tx.send(()).unwrap();
            5
        });
        (other.await.unwrap(), blocker.await.unwrap())
    });
    assert_eq!(out, (5, true));
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
}

#[test]
fn block_in_place_outside_worker_just_runs() {
    assert_eq!(magpie_sched::block_in_place(|| 3), 3);
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(async { magpie_sched::block_in_place(|| 4) }), 4);
}

#[test]
#[should_panic(expected = "can call blocking only when running on the multi-threaded runtime")]
fn block_in_place_on_current_thread_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async { magpie_sched::block_in_place(|| ()) });
}

#[test]
fn task_in_lifo_slot_is_not_stranded_by_a_long_poll() {
    // Task A wakes task B from inside its poll (so B lands in A's worker's LIFO slot), then
    // blocks in the same poll until B has run. tokio leaves B stranded there (tokio#4941);
    // here an idle worker takes it. A gives up after 30 s so a regression fails, not hangs.
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for _ in 0..5 {
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let slot: Arc<std::sync::Mutex<Option<Waker>>> = Arc::default();
        let (r, s) = (ran.clone(), slot.clone());
        let b = rt.spawn(std::future::poll_fn(move |cx| {
            let mut slot = s.lock().unwrap();
            if slot.is_none() {
                *slot = Some(cx.waker().clone());
                return Poll::Pending;
            }
            r.store(true, SeqCst);
            Poll::Ready(())
        }));
        while slot.lock().unwrap().is_none() {
            std::thread::yield_now();
        }
        let a = rt.spawn(async move {
            slot.lock().unwrap().as_ref().unwrap().wake_by_ref();
            let start = std::time::Instant::now();
            while !ran.load(SeqCst) {
                if start.elapsed() > Duration::from_secs(30) {
                    return false;
                }
                std::thread::sleep(Duration::from_micros(100));
            }
            true
        });
        assert!(
            rt.block_on(a).unwrap(),
            "the woken task stayed stranded behind the long poll"
        );
        rt.block_on(b).unwrap();
    }
}

#[test]
fn queue_behind_a_long_poll_is_rescued_by_a_peer_with_yielded_tasks() {
    // A blocks its worker in one poll; Y, spawned meanwhile so it runs on the other worker,
    // yields in a loop, so that worker always has a yielded task of its own. A then spawns
    // children into its own queue and waits, still in the same poll, until they have run.
    // Y's worker does not steal from a peer that makes progress, but must take the queue
    // of one stuck in a poll. A gives up after 30 s so a regression fails, not hangs.
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for _ in 0..3 {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let a_started = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let y_thread = Arc::new(std::sync::Mutex::new(None));
        let (started, yt) = (a_started.clone(), y_thread.clone());
        let a = rt.spawn(async move {
            started.store(true, SeqCst);
            let start = std::time::Instant::now();
            let within = |start: std::time::Instant| start.elapsed() < Duration::from_secs(30);
            while yt.lock().unwrap().is_none() {
                assert!(within(start), "the yielding task never started");
                std::thread::sleep(Duration::from_micros(100));
            }
            assert_ne!(*yt.lock().unwrap(), Some(std::thread::current().id()));
            let done = Arc::new(AtomicUsize::new(0));
            for _ in 0..8 {
                let d = done.clone();
                drop(magpie_sched::spawn(async move {
                    d.fetch_add(1, SeqCst);
                }));
            }
            let start = std::time::Instant::now();
            while done.load(SeqCst) < 8 {
                if !within(start) {
                    return false;
                }
                std::thread::sleep(Duration::from_micros(100));
            }
            true
        });
        while !a_started.load(SeqCst) {
            std::thread::yield_now();
        }
        let (st, yt) = (stop.clone(), y_thread.clone());
        let y = rt.spawn(async move {
            *yt.lock().unwrap() = Some(std::thread::current().id());
            while !st.load(SeqCst) {
                magpie_sched::yield_now().await;
            }
        });
        let rescued = rt.block_on(a).unwrap();
        stop.store(true, SeqCst);
        rt.block_on(y).unwrap();
        assert!(rescued, "tasks stayed queued behind a worker's long poll");
    }
}
