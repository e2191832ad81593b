//! `JoinSet` with tokio's documented behaviour.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use magpie::runtime::Builder;
use magpie::task::JoinSet;
use magpie::time::sleep;

fn rts() -> Vec<magpie::runtime::Runtime> {
    vec![
        Builder::new_current_thread().enable_all().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ]
}

struct DropCount(Arc<AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn join_next_in_completion_order() {
    let rt = Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        for (i, ms) in [(0, 30), (1, 10), (2, 20)] {
            set.spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                i
            });
        }
        assert_eq!(set.len(), 3);
        let mut order = Vec::new();
        while let Some(r) = set.join_next().await {
            order.push(r.unwrap());
        }
        assert_eq!(order, vec![1, 2, 0]);
        assert!(set.is_empty());
        assert!(set.join_next().await.is_none());
    });
}

#[test]
fn many_tasks_all_joined() {
    for rt in rts() {
        rt.block_on(async {
            let mut set: JoinSet<usize> = (0..1000usize).map(|i| async move { i }).collect();
            let mut sum = 0;
            while let Some(r) = set.join_next_with_id().await {
                let (_, v) = r.unwrap();
                sum += v;
            }
            assert_eq!(sum, (0..1000).sum::<usize>());
        });
    }
}

#[test]
fn drop_aborts_all() {
    for rt in rts() {
        let drops = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..10 {
                let d = DropCount(drops.clone());
                set.spawn(async move {
                    let _d = d;
                    std::future::pending::<()>().await;
                });
            }
            magpie::task::yield_now().await;
            drop(set);
            // Aborted tasks are cancelled by their scheduler: give it a moment.
            for _ in 0..1000 {
                if drops.load(SeqCst) == 10 {
                    break;
                }
                magpie::task::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(drops.load(SeqCst), 10);
    }
}

#[test]
fn abort_all_and_shutdown() {
    for rt in rts() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..5 {
                set.spawn(std::future::pending::<()>());
            }
            set.abort_all();
            let mut cancelled = 0;
            while let Some(r) = set.join_next().await {
                assert!(r.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 5);
            for _ in 0..5 {
                set.spawn(std::future::pending::<()>());
            }
            set.shutdown().await;
            assert!(set.is_empty());
        });
    }
}

#[test]
fn detach_all_keeps_tasks_running() {
    for rt in rts() {
        rt.block_on(async {
            let (tx, rx) = magpie::sync::oneshot::channel();
            let mut set = JoinSet::new();
            set.spawn(async move {
                sleep(Duration::from_millis(5)).await;
                tx.send(7).unwrap();
            });
            set.detach_all();
            assert!(set.is_empty());
            drop(set);
            assert_eq!(rx.await.unwrap(), 7);
        });
    }
}

#[test]
fn try_join_next_and_join_all() {
    for rt in rts() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            assert!(set.try_join_next().is_none());
            let abort = set.spawn(async { 1 });
            while !abort.is_finished() {
                magpie::task::yield_now().await;
            }
            assert_eq!(set.try_join_next().unwrap().unwrap(), 1);
            let mut set = JoinSet::new();
            set.spawn(async { 2 });
            set.spawn_blocking(|| 3);
            let mut all = set.join_all().await;
            all.sort();
            assert_eq!(all, vec![2, 3]);
        });
    }
}

#[test]
fn panics_are_reported() {
    for rt in rts() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { panic!("oops") });
            assert!(set.join_next().await.unwrap().unwrap_err().is_panic());
        });
    }
}

#[test]
fn spawn_local_into_join_set() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let local = magpie::task::LocalSet::new();
    local.block_on(&rt, async {
        let mut set = JoinSet::new();
        for i in 0..3 {
            let not_send = std::rc::Rc::new(i);
            set.spawn_local(async move { *not_send });
        }
        let mut sum = 0;
        while let Some(r) = set.join_next().await {
            sum += r.unwrap();
        }
        assert_eq!(sum, 3);
    });
}

#[test]
fn joining_many_finished_tasks_spends_coop_budget() {
    use futures::FutureExt;
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        const N: usize = 1000;
        let done = Arc::new(magpie::sync::Semaphore::new(0));
        let mut set = JoinSet::new();
        for _ in 0..N {
            let done = done.clone();
            set.spawn(async move { done.add_permits(1) });
        }
        let _all = done.acquire_many(N as u32).await.unwrap();
        let (mut joined, mut cut_short) = (0, 0);
        loop {
            match set.join_next().now_or_never() {
                Some(Some(r)) => {
                    r.unwrap();
                    joined += 1;
                }
                Some(None) => break,
                None => {
                    cut_short += 1;
                    magpie::task::yield_now().await;
                }
            }
        }
        assert_eq!(joined, N);
        assert!(cut_short >= 1, "the budget never ran out over {N} joins");
        // `try_join_next` is not budgeted: with a spent budget it still returns a
        // finished task.
        let mut set = JoinSet::new();
        set.spawn(async { 5 });
        magpie::task::yield_now().await;
        // Twice tokio's budget of 128: certainly spent.
        for _ in 0..256 {
            magpie::task::consume_budget().now_or_never();
        }
        assert_eq!(set.try_join_next().unwrap().unwrap(), 5);
    });
}

#[test]
fn replaced_waker_is_dropped_outside_the_lock() {
    use std::task::{Context, Wake, Waker};
    // Dropping this waker drives the runtime, which completes the set's task and fires
    // the set's entry waker: that must not deadlock on the set's own lock.
    struct DriveOnDrop(Option<magpie::runtime::Runtime>);
    impl Wake for DriveOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for DriveOnDrop {
        fn drop(&mut self) {
            if let Some(rt) = self.0.take() {
                rt.block_on(magpie::task::yield_now());
            }
        }
    }
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let mut set = JoinSet::new();
    set.spawn_on(async { 42 }, rt.handle());
    let waker = Waker::from(Arc::new(DriveOnDrop(Some(rt))));
    assert!(set
        .poll_join_next(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    assert!(set
        .poll_join_next(&mut Context::from_waker(futures::task::noop_waker_ref()))
        .is_pending());
    assert_eq!(set.try_join_next().unwrap().unwrap(), 42);
}
