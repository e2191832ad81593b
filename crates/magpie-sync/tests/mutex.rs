//! Behaviour tests for `Mutex`.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;

use common::{run, Task};
use magpie_sync::{MappedMutexGuard, Mutex, MutexGuard, OwnedMutexGuard};

#[test]
fn lock_and_mutate() {
    run(async {
        let m = Mutex::new(1);
        {
            let mut g = m.lock().await;
            *g += 1;
            assert!(m.try_lock().is_err());
        }
        assert_eq!(*m.lock().await, 2);
        assert_eq!(m.try_lock().unwrap().to_string(), "2");
    });
}

#[test]
fn waiter_gets_lock_in_order() {
    let m = Arc::new(Mutex::new(Vec::new()));
    let g = m.try_lock().unwrap();
    let mut tasks: Vec<_> = (0..3)
        .map(|i| {
            let m = m.clone();
            Task::new(async move { m.lock().await.push(i) })
        })
        .collect();
    for t in &mut tasks {
        t.pending();
    }
    drop(g);
    assert!(tasks[0].is_woken());
    assert!(!tasks[1].is_woken());
    // a later try_lock may not barge ahead of the queue
    assert!(m.try_lock().is_err());
    for t in &mut tasks {
        t.ready();
    }
    assert_eq!(*m.try_lock().unwrap(), vec![0, 1, 2]);
}

#[test]
fn cancelled_lock_after_grant_passes_on() {
    let m = Arc::new(Mutex::new(0));
    let g = m.try_lock().unwrap();
    let m1 = m.clone();
    let mut first = Task::new(async move { *m1.lock().await += 1 });
    first.pending();
    let m2 = m.clone();
    let mut second = Task::new(async move { *m2.lock().await += 10 });
    second.pending();
    drop(g);
    drop(first);
    assert!(second.is_woken());
    second.ready();
    assert_eq!(*m.try_lock().unwrap(), 10);
}

#[test]
fn owned_guards_and_try_lock_owned() {
    run(async {
        let m = Arc::new(Mutex::new(String::from("a")));
        let mut g: OwnedMutexGuard<String> = m.clone().lock_owned().await;
        g.push('b');
        assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&g), &m));
        assert!(m.clone().try_lock_owned().is_err());
        drop(g);
        let g = m.clone().try_lock_owned().unwrap();
        let mut mapped = OwnedMutexGuard::map(g, |s| s.as_mut_str());
        mapped.make_ascii_uppercase();
        drop(mapped);
        assert_eq!(*m.lock().await, "AB");
        let g = m.clone().lock_owned().await;
        let g = OwnedMutexGuard::try_map(g, |_| None::<&mut u8>).unwrap_err();
        drop(g);
        assert!(m.try_lock().is_ok());
    });
}

#[test]
fn map_and_try_map() {
    run(async {
        let m = Mutex::new((1, 2));
        let g = m.lock().await;
        assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
        let mut first: MappedMutexGuard<'_, i32> = MutexGuard::map(g, |p| &mut p.0);
        *first = 5;
        assert!(m.try_lock().is_err());
        let first = MappedMutexGuard::map(first, |x| x);
        drop(first);
        let g = m.lock().await;
        let g = MutexGuard::try_map(g, |_| None::<&mut i32>).unwrap_err();
        let second = MutexGuard::try_map(g, |p| Some(&mut p.1)).unwrap();
        assert_eq!(*second, 2);
        drop(second);
        assert_eq!(*m.lock().await, (5, 2));
    });
}

#[test]
fn get_mut_into_inner_default_from_debug() {
    let mut m = Mutex::new(3);
    *m.get_mut() = 4;
    assert_eq!(format!("{:?}", m), "Mutex { data: 4 }");
    let g = m.try_lock().unwrap();
    assert_eq!(format!("{:?}", g), "4");
    drop(g);
    assert_eq!(m.into_inner(), 4);
    let d: Mutex<u8> = Mutex::default();
    assert_eq!(d.into_inner(), 0);
    let f = Mutex::from(7);
    let _g = f.try_lock().unwrap();
    assert_eq!(format!("{:?}", f), "Mutex { data: <locked> }");
    assert_eq!(
        f.try_lock().unwrap_err().to_string(),
        "operation would block"
    );
}

#[test]
fn unsized_mutex() {
    let m: Arc<Mutex<[u8]>> = Arc::new(Mutex::new([1, 2, 3]));
    run(async {
        m.lock().await[0] = 9;
        assert_eq!(&*m.lock().await, &[9, 2, 3]);
    });
}

#[test]
fn blocking_lock_from_thread() {
    let m = Arc::new(Mutex::new(0));
    let g = m.try_lock().unwrap();
    let m2 = m.clone();
    let t = std::thread::spawn(move || {
        *m2.blocking_lock() += 1;
        *m2.clone().blocking_lock_owned() += 1;
    });
    std::thread::sleep(std::time::Duration::from_millis(10));
    drop(g);
    t.join().unwrap();
    assert_eq!(*m.try_lock().unwrap(), 2);
}

#[test]
fn const_new_static() {
    static M: Mutex<u32> = Mutex::const_new(5);
    run(async {
        *M.lock().await += 1;
        assert_eq!(*M.lock().await, 6);
    });
}

#[test]
fn threads_increment() {
    let m = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                run(async {
                    for _ in 0..5000 {
                        *m.lock().await += 1;
                    }
                })
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(*m.try_lock().unwrap(), 20000);
}

#[test]
fn guards_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Mutex<u8>>();
    assert_send_sync::<MutexGuard<'static, u8>>();
    assert_send_sync::<OwnedMutexGuard<u8>>();
    assert_send_sync::<MappedMutexGuard<'static, u8>>();
    fn lock_future_is_send(m: &Mutex<u8>) -> impl Send + '_ {
        m.lock()
    }
    let _ = lock_future_is_send;
}
