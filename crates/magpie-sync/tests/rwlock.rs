//! Behaviour tests for `RwLock`.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;

use common::{run, Task};
use magpie_sync::{
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

#[test]
fn readers_share_writers_exclude() {
    run(async {
        let l = RwLock::new(1);
        let r1 = l.read().await;
        let r2 = l.try_read().unwrap();
        assert!(l.try_write().is_err());
        drop((r1, r2));
        let mut w = l.write().await;
        *w = 2;
        assert!(l.try_read().is_err());
        drop(w);
        assert_eq!(*l.read().await, 2);
    });
}

#[test]
fn waiting_writer_blocks_new_readers() {
    let l = Arc::new(RwLock::new(0));
    let r = l.try_read().unwrap();
    let l2 = l.clone();
    let mut writer = Task::new(async move { *l2.write().await += 1 });
    writer.pending();
    // write-preferring: a reader arriving after the writer waits behind it
    assert!(l.try_read().is_err());
    let l3 = l.clone();
    let mut reader = Task::new(async move { *l3.read().await });
    reader.pending();
    drop(r);
    assert!(writer.is_woken());
    assert!(!reader.is_woken());
    writer.ready();
    assert!(reader.is_woken());
    assert_eq!(reader.ready(), 1);
}

#[test]
fn fairness_fifo_between_readers_and_writers() {
    let l = Arc::new(RwLock::new(Vec::new()));
    let w = l.try_write().unwrap();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let l = l.clone();
        if i % 3 == 2 {
            tasks.push(Task::new(Box::pin(async move {
                l.write().await.push(i);
            })
                as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>));
        } else {
            tasks.push(Task::new(Box::pin(async move {
                let _r = l.read().await;
            })));
        }
    }
    for t in &mut tasks {
        t.pending();
    }
    drop(w);
    // readers 0 and 1 go together; writer 2 waits for them
    assert!(tasks[0].is_woken() && tasks[1].is_woken());
    assert!(!tasks[2].is_woken());
    tasks[0].ready();
    assert!(!tasks[2].is_woken());
    tasks[1].ready();
    assert!(tasks[2].is_woken());
    assert!(!tasks[3].is_woken());
    tasks[2].ready();
    assert!(tasks[3].is_woken() && tasks[4].is_woken());
    tasks[3].ready();
    tasks[4].ready();
    tasks[5].ready();
    assert_eq!(*l.try_read().unwrap(), vec![2, 5]);
}

#[test]
fn max_readers() {
    let l = RwLock::with_max_readers(0, 2);
    let a = l.try_read().unwrap();
    let b = l.try_read().unwrap();
    assert!(l.try_read().is_err());
    drop((a, b));
    assert!(l.try_write().is_ok());
}

#[test]
#[should_panic(expected = "a RwLock may not be created with more than")]
fn too_many_max_readers_panics() {
    let _ = RwLock::with_max_readers(0, u32::MAX);
}

#[test]
#[should_panic(expected = "a RwLock may not be created with 0 readers")]
fn zero_max_readers_panics() {
    let _ = RwLock::with_max_readers(0, 0);
}

#[test]
#[should_panic(expected = "a RwLock may not be created with 0 readers")]
fn zero_max_readers_const_panics() {
    let _ = RwLock::const_with_max_readers(0, 0);
}

#[test]
#[should_panic(expected = "a RwLock may not be created with more than")]
fn too_many_max_readers_const_panics() {
    let _ = RwLock::const_with_max_readers(0, u32::MAX);
}

#[test]
fn downgrade_lets_waiting_readers_in() {
    let l = Arc::new(RwLock::new(1));
    let w = l.try_write().unwrap();
    let l2 = l.clone();
    let mut reader = Task::new(async move { *l2.read().await });
    reader.pending();
    let r = RwLockWriteGuard::downgrade(w);
    assert!(reader.is_woken());
    assert_eq!(reader.ready(), 1);
    assert!(l.try_write().is_err());
    drop(r);
    assert!(l.try_write().is_ok());
}

#[test]
fn maps() {
    run(async {
        let l = RwLock::new((1, String::from("a")));
        let r = RwLockReadGuard::map(l.read().await, |v| &v.1);
        assert_eq!(&*r, "a");
        let r = RwLockReadGuard::try_map(r, |_| None::<&u8>).unwrap_err();
        drop(r);
        let w = RwLockWriteGuard::map(l.write().await, |v| &mut v.0);
        let mut w = magpie_sync::RwLockMappedWriteGuard::map(w, |x| x);
        *w = 5;
        drop(w);
        let w = RwLockWriteGuard::try_map(l.write().await, |_| None::<&mut u8>).unwrap_err();
        let mut m = RwLockWriteGuard::into_mapped(w);
        m.1.push('b');
        drop(m);
        assert_eq!(*l.read().await, (5, String::from("ab")));
    });
}

#[test]
fn owned_guards() {
    run(async {
        let l = Arc::new(RwLock::new(vec![1, 2]));
        let r = l.clone().read_owned().await;
        assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&r), &l));
        let first = OwnedRwLockReadGuard::map(r, |v| &v[0]);
        assert_eq!(*first, 1);
        let r2 = l.clone().try_read_owned().unwrap();
        assert!(l.clone().try_write_owned().is_err());
        drop((first, r2));
        let mut w = l.clone().write_owned().await;
        w.push(3);
        assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&w), &l));
        let r = OwnedRwLockWriteGuard::downgrade(w);
        assert_eq!(r.len(), 3);
        drop(r);
        let w = l.clone().try_write_owned().unwrap();
        let mut last = OwnedRwLockWriteGuard::map(w, |v| v.last_mut().unwrap());
        *last = 30;
        drop(last);
        let w = l.clone().write_owned().await;
        let w = OwnedRwLockWriteGuard::try_map(w, |_| None::<&mut u8>).unwrap_err();
        let m = OwnedRwLockWriteGuard::into_mapped(w);
        drop(m);
        assert_eq!(*l.read().await, vec![1, 2, 30]);
    });
}

#[test]
fn cancelled_writer_after_grant_passes_on() {
    let l = Arc::new(RwLock::new(0));
    let r = l.try_read().unwrap();
    let l2 = l.clone();
    let mut writer = Task::new(async move { *l2.write().await += 1 });
    writer.pending();
    let l3 = l.clone();
    let mut reader = Task::new(async move { *l3.read().await });
    reader.pending();
    drop(r);
    assert!(writer.is_woken());
    drop(writer);
    assert!(reader.is_woken());
    assert_eq!(reader.ready(), 0);
    assert!(l.try_write().is_ok());
}

#[test]
fn misc() {
    let mut l = RwLock::new(3);
    *l.get_mut() += 1;
    assert_eq!(format!("{:?}", l), "RwLock { data: 4 }");
    let w = l.try_write().unwrap();
    assert_eq!(format!("{:?}", l), "RwLock { data: <locked> }");
    assert_eq!(w.to_string(), "4");
    drop(w);
    assert_eq!(l.into_inner(), 4);
    let d: RwLock<u8> = RwLock::default();
    assert_eq!(*d.blocking_read(), 0);
    *d.blocking_write() = 1;
    assert_eq!(RwLock::from(5).into_inner(), 5);
    static S: RwLock<u8> = RwLock::const_new(1);
    assert_eq!(*S.try_read().unwrap(), 1);
    static M: RwLock<u8> = RwLock::const_with_max_readers(1, 1);
    let _r = M.try_read().unwrap();
    assert!(M.try_read().is_err());
}

#[test]
fn threads_readers_and_writers() {
    let l = Arc::new(RwLock::new((0u64, 0u64)));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let l = l.clone();
            std::thread::spawn(move || {
                run(async {
                    for _ in 0..2000 {
                        if i % 2 == 0 {
                            let mut w = l.write().await;
                            w.0 += 1;
                            w.1 += 1;
                        } else {
                            let r = l.read().await;
                            assert_eq!(r.0, r.1);
                        }
                    }
                })
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(l.try_read().unwrap().0, 4000);
}

#[test]
fn downgrade_map_variants() {
    run(async {
        let l = Arc::new(RwLock::new((1, 2)));
        let w = l.write().await;
        let r = RwLockWriteGuard::downgrade_map(w, |v| &v.1);
        assert_eq!(*r, 2);
        assert!(l.try_write().is_err());
        assert!(l.try_read().is_ok());
        drop(r);
        let w = l.write().await;
        let w = RwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
        assert!(l.try_read().is_err(), "still exclusive");
        let r = RwLockWriteGuard::try_downgrade_map(w, |v| Some(&v.0)).unwrap();
        assert_eq!(*r, 1);
        drop(r);
        let w = l.clone().write_owned().await;
        let r = OwnedRwLockWriteGuard::downgrade_map(w, |v| &v.0);
        assert_eq!(*r, 1);
        drop(r);
        let w = l.clone().write_owned().await;
        let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
        let r = OwnedRwLockWriteGuard::try_downgrade_map(w, |v| Some(&v.1)).unwrap();
        assert_eq!(*r, 2);
        drop(r);
        assert!(l.try_write().is_ok());
    });
}
