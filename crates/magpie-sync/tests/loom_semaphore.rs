//! loom model checks of the semaphore under races between release, cancel and close.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use loom::thread;
use magpie_sync::Semaphore;
use std::sync::Arc;

fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// A waiter is cancelled while a release may be granting it the permit: the permit must
/// end up back in the semaphore either way.
#[test]
fn cancel_while_granted() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().unwrap();
        let releaser = thread::spawn(move || drop(held));
        {
            let mut acquire = pin!(sem.acquire());
            if let Poll::Ready(p) = poll_once(acquire.as_mut()) {
                drop(p.unwrap());
            }
        }
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// Two waiters, one cancelled concurrently with the release: the other one (or the pool)
/// gets the permit; nothing is lost or duplicated.
#[test]
fn cancel_passes_to_next_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().unwrap();
        let s2 = sem.clone();
        let other = thread::spawn(move || {
            loom::future::block_on(async {
                let p = s2.acquire().await.unwrap();
                drop(p);
            })
        });
        {
            let mut acquire = pin!(sem.acquire());
            let _ = poll_once(acquire.as_mut());
            drop(held);
        }
        other.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// Batch acquisition races with single releases from two threads.
#[test]
fn batch_acquire_concurrent_release() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s1 = sem.clone();
        let t1 = thread::spawn(move || s1.add_permits(1));
        let s2 = sem.clone();
        let t2 = thread::spawn(move || s2.add_permits(1));
        loom::future::block_on(async {
            let p = sem.acquire_many(2).await.unwrap();
            assert_eq!(p.num_permits(), 2);
        });
        t1.join().unwrap();
        t2.join().unwrap();
        assert_eq!(sem.available_permits(), 2);
    });
}

/// Close races a waiting acquisition and a release.
#[test]
fn close_races_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s1 = sem.clone();
        let closer = thread::spawn(move || s1.close());
        let s2 = sem.clone();
        let adder = thread::spawn(move || s2.add_permits(1));
        let res = loom::future::block_on(async { sem.acquire().await.map(|p| p.forget()) });
        closer.join().unwrap();
        adder.join().unwrap();
        if res.is_ok() {
            assert_eq!(sem.available_permits(), 0);
        } else {
            assert_eq!(sem.available_permits(), 1);
        }
    });
}

/// A batch waiter holding a partial grant is cancelled while permits are released and a
/// second waiter queues behind it: all permits end up back in the pool.
#[test]
fn cancel_partial_grant_races_release_and_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let mut big = Box::pin(sem.acquire_many(2));
        assert!(poll_once(big.as_mut()).is_pending()); // took 1, waits for 1 more
        let s1 = sem.clone();
        let releaser = thread::spawn(move || s1.add_permits(1));
        let s2 = sem.clone();
        let small = thread::spawn(move || {
            loom::future::block_on(async {
                drop(s2.acquire().await.unwrap());
            })
        });
        drop(big);
        releaser.join().unwrap();
        small.join().unwrap();
        assert_eq!(sem.available_permits(), 2);
    });
}

/// A queued waiter is granted a permit while the semaphore closes: whether it sees the
/// grant or the close first, the permit is never lost (an acquisition completing after the
/// close fails and gives its grant back).
#[test]
fn grant_races_close_for_a_queued_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let mut acquire = Box::pin(sem.acquire());
        assert!(poll_once(acquire.as_mut()).is_pending());
        let s1 = sem.clone();
        let closer = thread::spawn(move || s1.close());
        let s2 = sem.clone();
        let adder = thread::spawn(move || s2.add_permits(1));
        let res = loom::future::block_on(acquire).map(|p| p.forget());
        closer.join().unwrap();
        adder.join().unwrap();
        let expected = if res.is_ok() { 0 } else { 1 };
        assert_eq!(sem.available_permits(), expected);
    });
}
