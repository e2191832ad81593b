//! Behaviour tests for `Barrier` and `OnceCell`.
#![cfg(not(loom))]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{run, Task};
use magpie_sync::{Barrier, OnceCell, SetError};

#[test]
fn barrier_releases_all_with_one_leader() {
    let b = Arc::new(Barrier::new(3));
    let mut tasks: Vec<_> = (0..2)
        .map(|_| {
            let b = b.clone();
            Task::new(async move { b.wait().await.is_leader() })
        })
        .collect();
    for t in &mut tasks {
        t.pending();
    }
    let leader = run(b.wait()).is_leader();
    assert!(leader);
    for t in &mut tasks {
        assert!(t.is_woken());
        assert!(!t.ready());
    }
}

#[test]
fn barrier_is_reusable() {
    let b = Arc::new(Barrier::new(2));
    for _ in 0..3 {
        let b2 = b.clone();
        let mut t = Task::new(async move { b2.wait().await.is_leader() });
        t.pending();
        assert!(run(b.wait()).is_leader());
        assert!(!t.ready());
    }
}

#[test]
fn barrier_of_zero_or_one_never_waits() {
    run(async {
        assert!(Barrier::new(0).wait().await.is_leader());
        assert!(Barrier::new(1).wait().await.is_leader());
    });
}

#[test]
fn barrier_threads() {
    let b = Arc::new(Barrier::new(4));
    let leaders = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let b = b.clone();
            let leaders = leaders.clone();
            std::thread::spawn(move || {
                for _ in 0..50 {
                    if run(b.wait()).is_leader() {
                        leaders.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(leaders.load(Ordering::SeqCst), 50);
}

#[test]
fn once_cell_set_get() {
    let c = OnceCell::new();
    assert!(!c.initialized());
    assert_eq!(c.get(), None);
    c.set(1).unwrap();
    assert!(c.initialized());
    assert_eq!(c.get(), Some(&1));
    let err = c.set(2).unwrap_err();
    assert!(err.is_already_init_err());
    assert_eq!(err, SetError::AlreadyInitializedError(2));
    assert_eq!(err.to_string(), "AlreadyInitializedError");
}

#[test]
fn once_cell_get_or_init_runs_once() {
    let c = Arc::new(OnceCell::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let (c1, r1) = (c.clone(), runs.clone());
    let (tx, rx) = magpie_sync::oneshot::channel::<()>();
    let mut first = Task::new(async move {
        *c1.get_or_init(|| async move {
            r1.fetch_add(1, Ordering::SeqCst);
            rx.await.unwrap();
            1
        })
        .await
    });
    first.pending();
    // initialising: set fails with InitializingError, a second initialiser waits
    assert!(c.set(5).unwrap_err().is_initializing_err());
    let (c2, r2) = (c.clone(), runs.clone());
    let mut second = Task::new(async move {
        *c2.get_or_init(|| async move {
            r2.fetch_add(1, Ordering::SeqCst);
            2
        })
        .await
    });
    second.pending();
    tx.send(()).unwrap();
    assert_eq!(first.ready(), 1);
    assert!(second.is_woken());
    assert_eq!(second.ready(), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn once_cell_cancelled_initialiser_passes_on() {
    let c = Arc::new(OnceCell::new());
    let c1 = c.clone();
    let mut first = Task::new(async move { *c1.get_or_init(std::future::pending::<u8>).await });
    first.pending();
    let c2 = c.clone();
    let mut second = Task::new(async move { *c2.get_or_init(|| async { 2 }).await });
    second.pending();
    drop(first);
    assert!(second.is_woken());
    assert_eq!(second.ready(), 2);
}

#[test]
fn once_cell_try_init() {
    run(async {
        let c = OnceCell::new();
        let r: Result<&u8, &str> = c.get_or_try_init(|| async { Err("no") }).await;
        assert_eq!(r, Err("no"));
        assert!(!c.initialized());
        let r: Result<&u8, &str> = c.get_or_try_init(|| async { Ok(3) }).await;
        assert_eq!(r, Ok(&3));
        let r: Result<&u8, &str> = c.get_or_try_init(|| async { Ok(4) }).await;
        assert_eq!(r, Ok(&3));
    });
}

#[test]
fn once_cell_misc() {
    static C: OnceCell<u8> = OnceCell::const_new();
    static D: OnceCell<u8> = OnceCell::const_new_with(7);
    assert_eq!(C.get(), None);
    assert_eq!(D.get(), Some(&7));
    assert!(D.set(1).unwrap_err().is_already_init_err());
    let mut c = OnceCell::new_with(Some(String::from("a")));
    c.get_mut().unwrap().push('b');
    assert_eq!(format!("{:?}", c), "OnceCell { value: Some(\"ab\") }");
    let c2 = c.clone();
    assert_eq!(c, c2);
    assert_eq!(c.take().as_deref(), Some("ab"));
    assert!(!c.initialized());
    c.set(String::from("x")).unwrap();
    assert_eq!(c.into_inner().as_deref(), Some("x"));
    assert_eq!(OnceCell::<u8>::new_with(None).into_inner(), None);
    assert_eq!(OnceCell::from(3).into_inner(), Some(3));
    let d: OnceCell<u8> = OnceCell::default();
    assert!(d.get().is_none());
}

#[test]
fn once_cell_drops_value() {
    let v = Arc::new(());
    let c = OnceCell::new();
    c.set(v.clone()).unwrap();
    drop(c);
    assert_eq!(Arc::strong_count(&v), 1);
}

#[test]
fn once_cell_threads() {
    let c = Arc::new(OnceCell::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let c = c.clone();
            let runs = runs.clone();
            std::thread::spawn(move || {
                run(async {
                    *c.get_or_init(|| async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        i
                    })
                    .await
                })
            })
        })
        .collect();
    let vals: Vec<_> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(vals.iter().all(|v| *v == vals[0]));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn set_once_wait_and_set() {
    use magpie_sync::{SetOnce, SetOnceError};
    let c = Arc::new(SetOnce::new());
    let c1 = c.clone();
    let mut waiter = Task::new(async move { *c1.wait().await });
    waiter.pending();
    assert!(!c.initialized());
    c.set(4).unwrap();
    assert!(waiter.is_woken());
    assert_eq!(waiter.ready(), 4);
    assert_eq!(c.set(5), Err(SetOnceError(5)));
    assert_eq!(c.get(), Some(&4));
    static S: SetOnce<u8> = SetOnce::const_new();
    assert!(S.get().is_none());
    static T: SetOnce<u8> = SetOnce::const_new_with(1);
    assert_eq!(run(T.wait()), &1);
    let s = SetOnce::from(String::from("x"));
    assert_eq!(format!("{:?}", s), "SetOnce { value: Some(\"x\") }");
    assert_eq!(s.clone(), s);
    assert_eq!(s.into_inner().as_deref(), Some("x"));
    assert_eq!(SetOnce::<u8>::default().into_inner(), None);
    assert_eq!(SetOnceError(1).to_string(), "SetOnceError");
}
