//! `LocalSet` and `spawn_local`: `!Send` futures on the owner thread.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use magpie_sched::runtime::Builder;
use magpie_sched::LocalSet;

#[test]
fn runs_not_send_futures() {
    for rt in [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ] {
        let local = LocalSet::new();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        rt.block_on(local.run_until(async move {
            let mut hs = Vec::new();
            for i in 0..10 {
                let l = l.clone();
                hs.push(magpie_sched::spawn_local(async move {
                    magpie_sched::yield_now().await;
                    l.borrow_mut().push(i);
                    i
                }));
            }
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            assert_eq!(sum, 45);
        }));
        assert_eq!(log.borrow().len(), 10);
    }
}

#[test]
fn awaiting_the_set_runs_all_tasks() {
    let rt = Builder::new_current_thread().build().unwrap();
    let local = LocalSet::new();
    let count = Rc::new(RefCell::new(0));
    for _ in 0..5 {
        let c = count.clone();
        local.spawn_local(async move {
            magpie_sched::yield_now().await;
            *c.borrow_mut() += 1;
        });
    }
    rt.block_on(local);
    assert_eq!(*count.borrow(), 5);
}

#[test]
fn wake_from_another_thread() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let local = LocalSet::new();
    let out = rt.block_on(local.run_until(async {
        let (tx, rx) = std::sync::mpsc::channel::<std::task::Waker>();
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let f = flag.clone();
        let h = magpie_sched::spawn_local(std::future::poll_fn(move |cx| {
            if f.load(SeqCst) {
                std::task::Poll::Ready(Rc::new(7))
            } else {
                tx.send(cx.waker().clone()).unwrap();
                std::task::Poll::Pending
            }
        }));
        // Let the task register, then wake it from a plain thread.
        magpie_sched::yield_now().await;
        let waker = magpie_sched::spawn_blocking(move || rx.recv().unwrap())
            .await
            .unwrap();
        flag.store(true, SeqCst);
        std::thread::spawn(move || waker.wake()).join().unwrap();
        *h.await.unwrap()
    }));
    assert_eq!(out, 7);
}

#[test]
fn dropping_the_set_drops_its_futures() {
    struct Count(Arc<AtomicUsize>);
    impl Drop for Count {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let local = LocalSet::new();
    let mut handles = Vec::new();
    for _ in 0..4 {
        let c = Count(drops.clone());
        handles.push(local.spawn_local(async move {
            let _c = c;
            std::future::pending::<()>().await;
        }));
    }
    drop(local);
    assert_eq!(drops.load(SeqCst), 4);
    let rt = Builder::new_current_thread().build().unwrap();
    for h in handles {
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
    }
}

#[test]
fn abort_local_task() {
    let rt = Builder::new_current_thread().build().unwrap();
    let local = LocalSet::new();
    rt.block_on(local.run_until(async {
        let h = magpie_sched::spawn_local(std::future::pending::<()>());
        magpie_sched::yield_now().await;
        h.abort();
        assert!(h.await.unwrap_err().is_cancelled());
    }));
}

#[test]
#[should_panic(expected = "`spawn_local` called from outside of a `task::LocalSet`")]
fn spawn_local_outside_panics() {
    drop(magpie_sched::spawn_local(async {}));
}
