//! Behaviour tests for `Semaphore`.
#![cfg(not(loom))]

mod common;

use std::sync::Arc;

use common::{run, Task};
use magpie_sync::{AcquireError, Semaphore, TryAcquireError};

#[test]
fn acquire_and_release() {
    run(async {
        let sem = Semaphore::new(2);
        let a = sem.acquire().await.unwrap();
        assert_eq!(sem.available_permits(), 1);
        let b = sem.acquire().await.unwrap();
        assert_eq!(sem.available_permits(), 0);
        assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
        drop(a);
        assert_eq!(sem.available_permits(), 1);
        drop(b);
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn acquire_many_and_try_many() {
    run(async {
        let sem = Semaphore::new(5);
        let p = sem.acquire_many(3).await.unwrap();
        assert_eq!(p.num_permits(), 3);
        assert!(sem.try_acquire_many(3).is_err());
        let q = sem.try_acquire_many(2).unwrap();
        assert_eq!(sem.available_permits(), 0);
        drop(p);
        drop(q);
        assert_eq!(sem.available_permits(), 5);
        // zero permits always succeed on an open semaphore
        let z = sem.try_acquire_many(0).unwrap();
        assert_eq!(z.num_permits(), 0);
    });
}

#[test]
fn waiter_is_woken_by_release() {
    let sem = Arc::new(Semaphore::new(1));
    let held = sem.try_acquire().unwrap();
    let s2 = sem.clone();
    let mut t = Task::new(async move { s2.acquire().await.map(|p| p.forget()) });
    t.pending();
    assert!(!t.is_woken());
    drop(held);
    assert!(t.is_woken());
    assert_eq!(
        sem.available_permits(),
        0,
        "the permit went to the waiter, not the pool"
    );
    t.ready().unwrap();
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn fifo_large_request_not_starved() {
    let sem = Arc::new(Semaphore::new(3));
    let held = sem.try_acquire_many(3).unwrap();
    let s = sem.clone();
    let mut big = Task::new(async move { s.acquire_many(3).await.unwrap().forget() });
    big.pending();
    let s = sem.clone();
    let mut small = Task::new(async move { s.acquire().await.unwrap().forget() });
    small.pending();
    // Release one permit at a time: the big waiter at the head takes them, the small one
    // behind it gets nothing, and try_acquire fails while anyone queues.
    let mut held = held;
    let one = held.split(1).unwrap();
    drop(one);
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.try_acquire().is_err());
    assert!(!small.is_woken());
    drop(held); // two more: the big waiter is complete
    assert!(big.is_woken());
    assert!(!small.is_woken());
    big.ready();
    small.pending();
    sem.add_permits(1);
    assert!(small.is_woken());
    small.ready();
}

#[test]
fn fairness_order_of_many_waiters() {
    let sem = Arc::new(Semaphore::new(0));
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks: Vec<_> = (0..10)
        .map(|i| {
            let s = sem.clone();
            let order = order.clone();
            Task::new(async move {
                let p = s.acquire_many(1 + (i % 3)).await.unwrap();
                order.lock().unwrap().push(i);
                p.forget();
            })
        })
        .collect();
    for t in &mut tasks {
        t.pending();
    }
    let mut done = [false; 10];
    for _ in 0..30 {
        sem.add_permits(1);
        for (t, done) in tasks.iter_mut().zip(&mut done) {
            if !*done && t.is_woken() {
                *done = t.poll().is_ready();
            }
        }
    }
    assert!(done.iter().all(|d| *d));
    assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
}

#[test]
fn cancelled_waiter_returns_partial_grant() {
    let sem = Arc::new(Semaphore::new(2));
    let s = sem.clone();
    let mut big = Task::new(async move { s.acquire_many(5).await.unwrap().forget() });
    big.pending(); // took the 2 available, waits for 3 more
    assert_eq!(sem.available_permits(), 0);
    let s = sem.clone();
    let mut small = Task::new(async move { s.acquire().await.unwrap().forget() });
    small.pending();
    drop(big);
    // The 2 partially granted permits go on: one to `small`, one to the pool.
    assert!(small.is_woken());
    small.ready();
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn cancelled_after_grant_passes_permits_on() {
    let sem = Arc::new(Semaphore::new(1));
    let held = sem.try_acquire().unwrap();
    let s = sem.clone();
    let mut first = Task::new(async move { s.acquire().await.unwrap().forget() });
    first.pending();
    let s = sem.clone();
    let mut second = Task::new(async move { s.acquire().await.unwrap().forget() });
    second.pending();
    drop(held); // granted to `first`
    assert!(first.is_woken());
    drop(first); // never observed: must go to `second`
    assert!(second.is_woken());
    second.ready();
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn close_fails_waiters_and_later_acquires() {
    run(async {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.try_acquire().unwrap();
        let s = sem.clone();
        let mut waiter = Task::new(async move { s.acquire().await.map(|_| ()) });
        waiter.pending();
        sem.close();
        assert!(sem.is_closed());
        assert!(waiter.is_woken());
        assert_eq!(
            waiter.ready(),
            Err(AcquireError::clone(&sem.acquire().await.unwrap_err()))
        );
        assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
        assert!(sem.clone().acquire_owned().await.is_err());
        assert_eq!(
            sem.acquire().await.unwrap_err().to_string(),
            "semaphore closed"
        );
        drop(held); // permits held before close stay valid and return normally
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn add_and_forget_permits() {
    let sem = Semaphore::new(1);
    sem.add_permits(4);
    assert_eq!(sem.available_permits(), 5);
    assert_eq!(sem.forget_permits(3), 3);
    assert_eq!(sem.forget_permits(10), 2);
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn permit_forget_merge_split() {
    let sem = Semaphore::new(4);
    let mut a = sem.try_acquire_many(2).unwrap();
    let b = sem.try_acquire().unwrap();
    a.merge(b);
    assert_eq!(a.num_permits(), 3);
    let c = a.split(2).unwrap();
    assert!(a.split(5).is_none());
    assert_eq!(a.num_permits(), 1);
    assert_eq!(c.num_permits(), 2);
    c.forget();
    drop(a);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
#[should_panic(expected = "merging permits from different semaphore instances")]
fn merge_from_other_semaphore_panics() {
    let s1 = Semaphore::new(1);
    let s2 = Semaphore::new(1);
    let mut a = s1.try_acquire().unwrap();
    a.merge(s2.try_acquire().unwrap());
}

#[test]
fn owned_permits() {
    run(async {
        let sem = Arc::new(Semaphore::new(3));
        let mut a = sem.clone().acquire_owned().await.unwrap();
        let b = sem.clone().acquire_many_owned(2).await.unwrap();
        assert!(sem.clone().try_acquire_owned().is_err());
        assert!(Arc::ptr_eq(a.semaphore(), &sem));
        a.merge(b);
        let c = a.split(1).unwrap();
        assert_eq!(a.num_permits(), 2);
        drop(c);
        let d = sem.clone().try_acquire_many_owned(1).unwrap();
        d.forget();
        drop(a);
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
#[should_panic(expected = "a semaphore may not have more than MAX_PERMITS permits")]
fn new_above_max_panics() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS + 1);
}

#[test]
#[should_panic(expected = "would overflow MAX_PERMITS")]
fn add_permits_overflow_panics() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    sem.add_permits(1);
}

#[test]
fn const_new_in_static() {
    static SEM: Semaphore = Semaphore::const_new(2);
    run(async {
        let p = SEM.acquire().await.unwrap();
        assert_eq!(SEM.available_permits(), 1);
        drop(p);
    });
}

#[test]
fn threads_hammer() {
    let sem = Arc::new(Semaphore::new(3));
    let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let sem = sem.clone();
            let inside = inside.clone();
            std::thread::spawn(move || {
                run(async {
                    for _ in 0..2000 {
                        let _p = sem.acquire().await.unwrap();
                        let n = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        assert!(n < 3);
                        inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    }
                })
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn errors_display() {
    assert_eq!(TryAcquireError::Closed.to_string(), "semaphore closed");
    assert_eq!(
        TryAcquireError::NoPermits.to_string(),
        "no permits available"
    );
    assert!(TryAcquireError::Closed.is_closed());
    assert!(TryAcquireError::NoPermits.is_no_permits());
}

#[test]
fn more_waiters_than_one_wake_batch() {
    let sem = Arc::new(Semaphore::new(0));
    let mut tasks: Vec<_> = (0..100)
        .map(|_| {
            let s = sem.clone();
            Task::new(async move { s.acquire().await.unwrap().forget() })
        })
        .collect();
    for t in &mut tasks {
        t.pending();
    }
    sem.add_permits(70);
    for (i, t) in tasks.iter_mut().enumerate() {
        assert_eq!(t.is_woken(), i < 70);
    }
    sem.close();
    for t in &mut tasks[70..] {
        assert!(t.is_woken());
    }
}

/// Acquire futures are dropped at random points on several threads while permits move
/// around; no permit may be lost or duplicated.
#[test]
fn random_cancellation_keeps_permit_count() {
    let sem = Arc::new(Semaphore::new(3));
    let hs: Vec<_> = (0..3u64)
        .map(|seed| {
            let sem = sem.clone();
            std::thread::spawn(move || {
                let mut rng = common::XorShift::new(0xbad5eed + seed);
                for _ in 0..3000 {
                    let n = 1 + rng.below(3) as u32;
                    let mut t = Task::new(sem.acquire_many(n));
                    let polls = rng.below(3);
                    let mut got = None;
                    for _ in 0..=polls {
                        if let std::task::Poll::Ready(p) = t.poll() {
                            got = Some(p.unwrap());
                            break;
                        }
                        std::thread::yield_now();
                    }
                    if let Some(p) = got {
                        assert_eq!(p.num_permits(), n as usize);
                    }
                    // permit (if any) and future dropped here, in random order
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn blocking_acquire_variants() {
    let sem = Arc::new(Semaphore::new(3));
    let held = sem.try_acquire_many(3).unwrap();
    let s = sem.clone();
    let h = std::thread::spawn(move || {
        let a = s.blocking_acquire().unwrap();
        let b = s.blocking_acquire_many(1).unwrap();
        let c = s.clone().blocking_acquire_owned().unwrap();
        drop((a, b, c));
        s.clone().blocking_acquire_many_owned(3).unwrap().forget();
    });
    drop(held);
    h.join().unwrap();
    assert_eq!(sem.available_permits(), 0);
}

/// A waker whose drop releases a permit of the semaphore it waits on: dropping it under
/// the semaphore's lock would deadlock.
struct ReleaseOnDrop(Arc<Semaphore>);

impl std::task::Wake for ReleaseOnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        self.0.add_permits(1);
    }
}

#[test]
fn replaced_waker_is_dropped_outside_the_lock() {
    use std::future::Future;
    use std::task::{Context, Waker};

    let sem = Arc::new(Semaphore::new(0));
    let mut acquire = Box::pin(sem.acquire());
    let waker = Waker::from(Arc::new(ReleaseOnDrop(sem.clone())));
    assert!(acquire
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    let mut cx = Context::from_waker(Waker::noop());
    let _ = acquire.as_mut().poll(&mut cx);
    assert!(acquire.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn merged_permits_may_exceed_one_acquisition() {
    let sem = Arc::new(Semaphore::new(6_000_000_000));
    let mut a = sem.clone().try_acquire_many_owned(3_000_000_000).unwrap();
    let b = sem.clone().try_acquire_many_owned(3_000_000_000).unwrap();
    a.merge(b);
    assert_eq!(a.num_permits(), 6_000_000_000);
    assert_eq!(sem.available_permits(), 0);
    let c = a.split(5_000_000_000).unwrap();
    assert_eq!(
        (a.num_permits(), c.num_permits()),
        (1_000_000_000, 5_000_000_000)
    );
    drop((a, c));
    assert_eq!(sem.available_permits(), 6_000_000_000);

    let sem = Semaphore::new(6_000_000_000);
    let mut a = sem.try_acquire_many(3_000_000_000).unwrap();
    a.merge(sem.try_acquire_many(3_000_000_000).unwrap());
    assert_eq!(a.num_permits(), 6_000_000_000);
    assert!(std::ptr::eq(a.semaphore(), &sem));
    drop(a);
    assert_eq!(sem.available_permits(), 6_000_000_000);
}
