//! Sync workloads: channels, locks and notifications from `<runtime>::sync`, across tasks
//! on every worker.
//!
//! Written once as a macro over the runtime crate's name, so the magpie and the tokio copies
//! are the same source with `magpie::` or `tokio::` in front of each path: the benches use
//! both crates exactly as an application would. Every routine runs its body inside a spawned
//! task (`in_task`), so all the parties are worker tasks and the `block_on` thread only
//! waits.

/// Messages per iteration of the mpsc workloads (split evenly between the producers).
pub const NUM_MESSAGES: usize = 10_000;
/// Capacity of the bounded mpsc channel: small enough that producers wait for room.
pub const MPSC_CAPACITY: usize = 128;
/// Producers in the contended mpsc workloads.
pub const CONTENDED_PRODUCERS: usize = 8;
/// Oneshot channels created, sent on and received per iteration.
pub const NUM_ONESHOTS: usize = 10_000;
/// Tasks contending for the mutex or the semaphore.
pub const LOCK_TASKS: usize = 8;
/// Acquisitions per task in the mutex and semaphore workloads.
pub const LOCKS_PER_TASK: usize = 1_000;
/// Permits of the contended semaphore.
pub const SEMAPHORE_PERMITS: usize = 2;
/// Round trips of the notify ping-pong.
pub const NOTIFY_ROUND_TRIPS: usize = 10_000;
/// Receivers of the broadcast and watch workloads.
pub const FAN_OUT: usize = 16;
/// Values sent per iteration of the broadcast and watch workloads.
pub const FAN_OUT_VALUES: usize = 1_000;

macro_rules! sync_workloads {
    ($rt:ident) => {
        /// `producers` tasks send [`NUM_MESSAGES`] in total through a bounded channel to one
        /// consumer task.
        pub(crate) fn mpsc_bounded(
            rt: &::$rt::runtime::Runtime,
            producers: usize,
        ) -> $crate::workloads::Routine<'_> {
            use $crate::workloads::sync::{MPSC_CAPACITY, NUM_MESSAGES};
            Box::new(move || {
                in_task(rt, async move {
                    let (tx, mut rx) = ::$rt::sync::mpsc::channel::<usize>(MPSC_CAPACITY);
                    let per = NUM_MESSAGES / producers;
                    for _ in 0..producers {
                        let tx = tx.clone();
                        drop(::$rt::spawn(async move {
                            for i in 0..per {
                                tx.send(i).await.expect("mpsc receiver dropped");
                            }
                        }));
                    }
                    drop(tx);
                    let mut received = 0;
                    while let Some(v) = rx.recv().await {
                        std::hint::black_box(v);
                        received += 1;
                    }
                    assert_eq!(received, per * producers, "mpsc lost messages");
                })
            })
        }

        /// As `mpsc_bounded`, through an unbounded channel.
        pub(crate) fn mpsc_unbounded(
            rt: &::$rt::runtime::Runtime,
            producers: usize,
        ) -> $crate::workloads::Routine<'_> {
            use $crate::workloads::sync::NUM_MESSAGES;
            Box::new(move || {
                in_task(rt, async move {
                    let (tx, mut rx) = ::$rt::sync::mpsc::unbounded_channel::<usize>();
                    let per = NUM_MESSAGES / producers;
                    for _ in 0..producers {
                        let tx = tx.clone();
                        drop(::$rt::spawn(async move {
                            for i in 0..per {
                                tx.send(i).expect("mpsc receiver dropped");
                            }
                        }));
                    }
                    drop(tx);
                    let mut received = 0;
                    while let Some(v) = rx.recv().await {
                        std::hint::black_box(v);
                        received += 1;
                    }
                    assert_eq!(received, per * producers, "mpsc lost messages");
                })
            })
        }

        /// [`NUM_ONESHOTS`] oneshot channels: create, send, await the receiver.
        pub(crate) fn oneshot(rt: &::$rt::runtime::Runtime) -> $crate::workloads::Routine<'_> {
            use $crate::workloads::sync::NUM_ONESHOTS;
            Box::new(move || {
                in_task(rt, async move {
                    for i in 0..NUM_ONESHOTS {
                        let (tx, rx) = ::$rt::sync::oneshot::channel::<usize>();
                        tx.send(i).expect("oneshot receiver dropped");
                        std::hint::black_box(rx.await.expect("oneshot sender dropped"));
                    }
                })
            })
        }

        /// [`LOCK_TASKS`] tasks each lock one mutex [`LOCKS_PER_TASK`] times and increment
        /// the counter it guards.
        pub(crate) fn mutex_contended(
            rt: &::$rt::runtime::Runtime,
        ) -> $crate::workloads::Routine<'_> {
            use $crate::workloads::sync::{LOCKS_PER_TASK, LOCK_TASKS};
            Box::new(move || {
                in_task(rt, async move {
                    let counter = std::sync::Arc::new(::$rt::sync::Mutex::new(0usize));
                    let handles: Vec<_> = (0..LOCK_TASKS)
                        .map(|_| {
                            let counter = counter.clone();
                            ::$rt::spawn(async move {
                                for _ in 0..LOCKS_PER_TASK {
                                    *counter.lock().await += 1;
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.expect("mutex task failed");
                    }
                    assert_eq!(*counter.lock().await, LOCK_TASKS * LOCKS_PER_TASK);
                })
            })
        }

        /// [`LOCK_TASKS`] tasks each acquire and release a permit of a semaphore with
        /// [`SEMAPHORE_PERMITS`] permits, [`LOCKS_PER_TASK`] times.
        pub(crate) fn semaphore_contended(
            rt: &::$rt::runtime::Runtime,
        ) -> $crate::workloads::Routine<'_> {
            use $crate::workloads::sync::{LOCKS_PER_TASK, LOCK_TASKS, SEMAPHORE_PERMITS};
            Box::new(move || {
                in_task(rt, async move {
                    let sem = std::sync::Arc::new(::$rt::sync::Semaphore::new(SEMAPHORE_PERMITS));
                    let handles: Vec<_> = (0..LOCK_TASKS)
                        .map(|_| {
                            let sem = sem.clone();
                            ::$rt::spawn(async move {
                                for _ in 0..LOCKS_PER_TASK {
                                    let permit = sem.acquire().await.expect("semaphore closed");
                                    std::hint::black_box(&permit);
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.expect("semaphore task failed");
                    }
                    assert_eq!(sem.available_permits(), SEMAPHORE_PERMITS);
                })
            })
        }

        /// Two tasks wake each other with `Notify::notify_one`, [`NOTIFY_ROUND_TRIPS`] times.
        pub(crate) fn notify_ping_pong(
            rt: &::$rt::runtime::Runtime,
        ) -> $crate::workloads::Routine<'_> {
            use std::sync::Arc;
            use $crate::workloads::sync::NOTIFY_ROUND_TRIPS;
            Box::new(move || {
                in_task(rt, async move {
                    let ping = Arc::new(::$rt::sync::Notify::new());
                    let pong = Arc::new(::$rt::sync::Notify::new());
                    let (ping2, pong2) = (ping.clone(), pong.clone());
                    let partner = ::$rt::spawn(async move {
                        for _ in 0..NOTIFY_ROUND_TRIPS {
                            ping2.notified().await;
                            pong2.notify_one();
                        }
                    });
                    for _ in 0..NOTIFY_ROUND_TRIPS {
                        ping.notify_one();
                        pong.notified().await;
                    }
                    partner.await.expect("notify partner failed");
                })
            })
        }

        /// One sender, [`FAN_OUT`] receiver tasks, [`FAN_OUT_VALUES`] values each receiver
        /// must see (the capacity holds them all, so no receiver lags).
        pub(crate) fn broadcast(rt: &::$rt::runtime::Runtime) -> $crate::workloads::Routine<'_> {
            use $crate::workloads::sync::{FAN_OUT, FAN_OUT_VALUES};
            Box::new(move || {
                in_task(rt, async move {
                    let (tx, _) = ::$rt::sync::broadcast::channel::<usize>(FAN_OUT_VALUES);
                    let handles: Vec<_> = (0..FAN_OUT)
                        .map(|_| {
                            let mut rx = tx.subscribe();
                            ::$rt::spawn(async move {
                                for expected in 0..FAN_OUT_VALUES {
                                    let got = rx.recv().await.expect("broadcast receiver lagged");
                                    assert_eq!(got, expected, "broadcast out of order");
                                }
                            })
                        })
                        .collect();
                    for i in 0..FAN_OUT_VALUES {
                        tx.send(i).expect("every broadcast receiver dropped");
                    }
                    for handle in handles {
                        handle.await.expect("broadcast receiver failed");
                    }
                })
            })
        }

        /// One sender sends [`FAN_OUT_VALUES`] values into a watch channel; [`FAN_OUT`]
        /// receiver tasks wait on `changed` until they see the last one (watch keeps only
        /// the latest value, so a receiver may skip some).
        pub(crate) fn watch(rt: &::$rt::runtime::Runtime) -> $crate::workloads::Routine<'_> {
            use $crate::workloads::sync::{FAN_OUT, FAN_OUT_VALUES};
            Box::new(move || {
                in_task(rt, async move {
                    let (tx, rx) = ::$rt::sync::watch::channel::<usize>(0);
                    let handles: Vec<_> = (0..FAN_OUT)
                        .map(|_| {
                            let mut rx = rx.clone();
                            ::$rt::spawn(async move {
                                let mut seen = 0;
                                while *rx.borrow_and_update() != FAN_OUT_VALUES {
                                    rx.changed().await.expect("watch sender dropped");
                                    seen += 1;
                                }
                                std::hint::black_box(seen);
                            })
                        })
                        .collect();
                    drop(rx);
                    for i in 1..=FAN_OUT_VALUES {
                        tx.send(i).expect("every watch receiver dropped");
                    }
                    for handle in handles {
                        handle.await.expect("watch receiver failed");
                    }
                })
            })
        }
    };
}

pub(crate) use sync_workloads;
