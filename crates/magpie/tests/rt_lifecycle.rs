//! Runtime life-cycle edge cases found by comparing with tokio: runtimes dropped during
//! thread-local destruction, tasks that panic, extreme shutdown timeouts, park hooks that
//! make work, and yielded tasks under a saturated worker.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use magpie::runtime::{Builder, Runtime};
use magpie::sync::{mpsc, oneshot, Notify};

fn flavors() -> Vec<Runtime> {
    vec![
        Builder::new_current_thread().enable_all().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ]
}

#[test]
fn runtime_dropped_during_thread_local_destruction() {
    thread_local! {
        static KEPT: RefCell<Option<Runtime>> = const { RefCell::new(None) };
    }
    for flavor in 0..3 {
        std::thread::spawn(move || {
            let rt = flavors().swap_remove(flavor);
            // A task still alive at shutdown is dropped during the thread's TLS teardown.
            rt.spawn(std::future::pending::<()>());
            rt.block_on(async { magpie::task::yield_now().await });
            KEPT.with(|k| *k.borrow_mut() = Some(rt));
            // A second runtime in use on the same thread, dropped normally first.
            let other = Builder::new_current_thread().enable_all().build().unwrap();
            other.block_on(async {});
        })
        .join()
        .expect("dropping a runtime from a thread-local must not panic or abort");
    }
}

#[test]
fn panicking_task_drops_its_future_while_unwinding() {
    struct Boom(Option<oneshot::Sender<bool>>);
    impl Future for Boom {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            panic!("boom");
        }
    }
    impl Drop for Boom {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(std::thread::panicking());
        }
    }
    for rt in flavors() {
        let (tx, rx) = oneshot::channel();
        let join = rt.spawn(Boom(Some(tx)));
        assert!(rt.block_on(rx).unwrap(), "Drop ran outside the unwinding");
        let err = rt.block_on(join).unwrap_err();
        assert!(err.is_panic());
    }
}

#[test]
fn shutdown_timeout_of_duration_max_waits_forever_without_overflow() {
    for rt in flavors() {
        rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)));
        rt.shutdown_timeout(Duration::MAX);
    }
}

#[test]
fn park_hook_that_spawns_work_keeps_the_runtime_awake() {
    let notify = Arc::new(Notify::new());
    let fired = Arc::new(AtomicBool::new(false));
    let (n2, f2) = (notify.clone(), fired.clone());
    let unparks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let u2 = unparks.clone();
    let rt = Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || {
            if !f2.swap(true, Ordering::SeqCst) {
                let n = n2.clone();
                magpie::spawn(async move { n.notify_one() });
            }
        })
        .on_thread_unpark(move || {
            u2.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    rt.block_on(notify.notified());
    assert!(fired.load(Ordering::SeqCst));
    // Every park hook call is paired with an unpark hook call, parked or not.
    assert_eq!(unparks.load(Ordering::SeqCst), 1);
}

#[test]
fn yielding_task_runs_while_other_tasks_saturate_the_worker() {
    for rt in flavors() {
        let running = Arc::new(AtomicBool::new(true));
        rt.block_on(async {
            let mut pairs = Vec::new();
            for _ in 0..20 {
                let (tx1, mut rx1) = mpsc::unbounded_channel::<()>();
                let (tx2, mut rx2) = mpsc::unbounded_channel::<()>();
                let running = running.clone();
                pairs.push(magpie::spawn(async move {
                    while running.load(Ordering::Relaxed) {
                        tx1.send(()).unwrap();
                        rx2.recv().await.unwrap();
                    }
                }));
                pairs.push(magpie::spawn(async move {
                    while rx1.recv().await.is_some() {
                        if tx2.send(()).is_err() {
                            break;
                        }
                    }
                }));
            }
            magpie::spawn(async {
                for _ in 0..5 {
                    magpie::task::yield_now().await;
                }
            })
            .await
            .unwrap();
            running.store(false, Ordering::Relaxed);
            for p in pairs {
                p.await.unwrap();
            }
        });
    }
}

#[test]
fn worker_park_count_ignores_internal_rechecks() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let m = rt.metrics();
    while m.worker_park_unpark_count(0) == 0 || m.worker_park_unpark_count(1) == 0 {
        std::thread::sleep(Duration::from_millis(10));
    }
    // Idle workers stay parked: their timed checks on busy peers are not new parks.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(m.worker_park_unpark_count(0), 1);
    assert_eq!(m.worker_park_unpark_count(1), 1);
    drop(rt);
    assert_eq!(m.worker_park_unpark_count(0) % 2, 0);
    assert_eq!(m.worker_park_unpark_count(1) % 2, 0);
}

#[test]
fn park_hook_that_defers_a_wake_does_not_sleep_on_it() {
    // A `yield_now` polled inside the park hook defers its waker; the runtime must release
    // it rather than park with the wake-up stuck in its defer list.
    use std::task::Wake;
    struct NotifyOnWake(Arc<Notify>);
    impl Wake for NotifyOnWake {
        fn wake(self: Arc<Self>) {
            self.0.notify_one();
        }
    }
    for multi in [false, true] {
        let notify = Arc::new(Notify::new());
        let waker = std::task::Waker::from(Arc::new(NotifyOnWake(notify.clone())));
        let fired = Arc::new(AtomicBool::new(false));
        let f2 = fired.clone();
        let mut builder = if multi {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(1);
            b
        } else {
            Builder::new_current_thread()
        };
        let rt = builder
            .enable_all()
            .on_thread_park(move || {
                if !f2.swap(true, Ordering::SeqCst) {
                    let mut cx = Context::from_waker(&waker);
                    let fut = std::pin::pin!(magpie::task::yield_now());
                    let _ = fut.poll(&mut cx);
                }
            })
            .build()
            .unwrap();
        rt.block_on(notify.notified());
        assert!(fired.load(Ordering::SeqCst));
    }
}

#[test]
fn block_in_place_wakes_deferred_tasks_before_blocking() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let yielded = Arc::new(AtomicBool::new(false));
    let y2 = yielded.clone();
    let h = rt.spawn(async move {
        // A task that yields on this worker, then blocks in place: the yielded task must
        // run while the blocking section waits (it is the one releasing it).
        let y3 = y2.clone();
        let other = magpie::spawn(async move {
            magpie::task::yield_now().await;
            y3.store(true, Ordering::SeqCst);
        });
        magpie::task::yield_now().await;
        magpie::task::block_in_place(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        other.await.unwrap();
    });
    started_rx.recv().unwrap();
    while !yielded.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    release_tx.send(()).unwrap();
    rt.block_on(h).unwrap();
}

#[test]
fn block_in_place_where_tokio_allows_and_refuses_it() {
    const REFUSED: &str = "can call blocking only when running on the multi-threaded runtime";
    let message = |e: Box<dyn std::any::Any + Send>| {
        e.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    };
    for rt in flavors() {
        // `Handle::block_on` may always block in place, even nested in another
        // `Handle::block_on` inside the closure.
        let handle = rt.handle().clone();
        handle.block_on(async {
            magpie::task::block_in_place(|| {
                magpie::runtime::Handle::current().block_on(magpie::task::yield_now());
            })
        });
    }
    // A current-thread runtime's `Runtime::block_on` refuses, in the future and in tasks.
    let ct = Builder::new_current_thread().enable_all().build().unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ct.block_on(async { magpie::task::block_in_place(|| {}) })
    }))
    .unwrap_err();
    assert_eq!(message(err), REFUSED);
    let join =
        ct.block_on(async { magpie::spawn(async { magpie::task::block_in_place(|| {}) }).await });
    assert_eq!(message(join.unwrap_err().into_panic()), REFUSED);
    // A multi-thread runtime's `block_on` thread may block in place.
    let mt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    assert_eq!(mt.block_on(async { magpie::task::block_in_place(|| 7) }), 7);
}

#[test]
fn nested_block_on_panics_with_tokios_advice() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            magpie::runtime::Handle::current().block_on(async {});
        })
    }))
    .unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(
        msg.starts_with("Cannot start a runtime from within a runtime."),
        "{msg}"
    );
    assert!(
        msg.ends_with("If you are in an async function, use `.await` on the future instead of blocking on it."),
        "{msg}"
    );
}

#[test]
fn block_in_place_refusal_points_at_the_caller() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let location = Arc::new(std::sync::Mutex::new(None));
    let l2 = location.clone();
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Other tests of this binary panic concurrently: keep only this one's panic.
        let ours = info.payload().downcast_ref::<&str>().is_some_and(|m| {
            *m == "can call blocking only when running on the multi-threaded runtime"
        }) && std::thread::current().name()
            == Some("block_in_place_refusal_points_at_the_caller");
        if ours {
            *l2.lock().unwrap() = info.location().map(|l| l.file().to_owned());
        }
    }));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { magpie::task::block_in_place(|| {}) })
    }));
    std::panic::set_hook(prev);
    assert!(r.is_err());
    assert_eq!(location.lock().unwrap().as_deref(), Some(file!()));
}

#[magpie::test(start_paused = true)]
async fn paused_clock_waits_for_a_panicking_blocking_task_result() {
    // The clock may not auto-advance between the closure unwinding and its JoinHandle
    // seeing the panic: the timeout must not fire.
    for _ in 0..20 {
        let joined = magpie::time::timeout(
            Duration::from_secs(15),
            magpie::task::spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(1));
                std::panic::resume_unwind(Box::new("blocking task failed"));
            }),
        )
        .await
        .expect("the paused clock jumped past a blocking task's result");
        assert!(joined.unwrap_err().is_panic());
        let joined = magpie::time::timeout(
            Duration::from_secs(15),
            magpie::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(1))),
        )
        .await;
        assert!(
            joined.is_ok(),
            "the paused clock jumped past a blocking task's result"
        );
    }
}
