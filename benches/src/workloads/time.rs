//! Time workloads: registering, firing, cancelling and resetting timers with
//! `<runtime>::time`.
//!
//! Written once as a macro over the runtime crate's name (see `sync.rs` for why). Random
//! deadlines come from [`Rng`], seeded the same on both sides, so both runtimes get the same
//! deadlines in the same order.

/// Sleeps registered and fired per iteration of `time_sleep_random`.
pub const NUM_SLEEPS: usize = 100_000;
/// Tasks the sleeps are spread over (each awaits its share at once).
pub const SLEEP_TASKS: usize = 100;
/// Upper bound of the random sleep durations, in microseconds.
pub const MAX_SLEEP_MICROS: u64 = 10_000;
/// Timeouts created per task per iteration of the timeout workloads.
pub const TIMEOUTS_PER_TASK: usize = 10_000;
/// Tasks in the timeout and reset workloads.
pub const TIMER_TASKS: usize = 8;
/// Tasks of `time_interval_ticks`.
pub const INTERVAL_TASKS: usize = 64;
/// Intervals each task of `time_interval_ticks` ticks at once.
pub const INTERVALS_PER_TASK: usize = 512;
/// Ticks taken from each interval (the first completes at once).
pub const TICKS: usize = 10;
/// Period of the intervals, in microseconds.
pub const INTERVAL_MICROS: u64 = 1_000;
/// `Sleep::reset` calls per task per iteration of `time_sleep_reset`.
pub const RESETS_PER_TASK: usize = 10_000;

/// A small xorshift generator: deterministic and the same on both sides.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for stream `seed` (any value; zero is mapped away).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next value below `bound` (which must be positive).
    pub fn below(&mut self, bound: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % bound
    }
}

macro_rules! time_workloads {
    ($rt:ident) => {
        /// [`NUM_SLEEPS`] sleeps with random durations below [`MAX_SLEEP_MICROS`], spread
        /// over [`SLEEP_TASKS`] tasks that each await their share concurrently.
        pub(crate) fn sleep_random(rt: &::$rt::runtime::Runtime) -> $crate::workloads::Routine<'_> {
            use ::futures::stream::{FuturesUnordered, StreamExt};
            use $crate::workloads::time::{Rng, MAX_SLEEP_MICROS, NUM_SLEEPS, SLEEP_TASKS};
            Box::new(move || {
                in_task(rt, async move {
                    let handles: Vec<_> = (0..SLEEP_TASKS)
                        .map(|t| {
                            ::$rt::spawn(async move {
                                let mut rng = Rng::new(t as u64);
                                let mut sleeps: FuturesUnordered<_> = (0..NUM_SLEEPS / SLEEP_TASKS)
                                    .map(|_| {
                                        let micros = rng.below(MAX_SLEEP_MICROS);
                                        ::$rt::time::sleep(std::time::Duration::from_micros(micros))
                                    })
                                    .collect();
                                let mut fired = 0;
                                while sleeps.next().await.is_some() {
                                    fired += 1;
                                }
                                assert_eq!(fired, NUM_SLEEPS / SLEEP_TASKS);
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.expect("sleep task failed");
                    }
                })
            })
        }

        /// `timeout(1 s, <ready future>)`, [`TIMEOUTS_PER_TASK`] times in each of
        /// [`TIMER_TASKS`] tasks: the cost of a timeout that never fires because its future
        /// is ready at once.
        pub(crate) fn timeout_ready(
            rt: &::$rt::runtime::Runtime,
        ) -> $crate::workloads::Routine<'_> {
            use $crate::workloads::time::{TIMEOUTS_PER_TASK, TIMER_TASKS};
            Box::new(move || {
                in_task(rt, async move {
                    let handles: Vec<_> = (0..TIMER_TASKS)
                        .map(|_| {
                            ::$rt::spawn(async move {
                                for i in 0..TIMEOUTS_PER_TASK {
                                    let out = ::$rt::time::timeout(
                                        std::time::Duration::from_secs(1),
                                        std::future::ready(i),
                                    )
                                    .await
                                    .expect("a ready future timed out");
                                    std::hint::black_box(out);
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.expect("timeout task failed");
                    }
                })
            })
        }

        /// As `timeout_ready`, but the inner future is pending: the timeout is polled once
        /// (which registers its timer) and dropped (which cancels it).
        pub(crate) fn timeout_cancel(
            rt: &::$rt::runtime::Runtime,
        ) -> $crate::workloads::Routine<'_> {
            use std::future::Future;
            use std::task::Poll;
            use $crate::workloads::time::{TIMEOUTS_PER_TASK, TIMER_TASKS};
            Box::new(move || {
                in_task(rt, async move {
                    let handles: Vec<_> = (0..TIMER_TASKS)
                        .map(|_| {
                            ::$rt::spawn(async move {
                                for _ in 0..TIMEOUTS_PER_TASK {
                                    let mut t = std::pin::pin!(::$rt::time::timeout(
                                        std::time::Duration::from_secs(1),
                                        std::future::pending::<()>(),
                                    ));
                                    // Pending unless the thread stalled for a second
                                    // (a loaded machine); either way it was registered.
                                    std::future::poll_fn(|cx| {
                                        let _ = t.as_mut().poll(cx);
                                        Poll::Ready(())
                                    })
                                    .await;
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.expect("timeout task failed");
                    }
                })
            })
        }

        /// [`INTERVAL_TASKS`] tasks each tick [`INTERVALS_PER_TASK`] intervals of
        /// [`INTERVAL_MICROS`] [`TICKS`] times, polling them all with `poll_tick` whenever
        /// the task wakes. So many intervals fire per millisecond that the timers' own cost,
        /// not the wall-clock period, sets the time (64 intervals ticking 20 times measured
        /// only the 19 ms the period takes, on both runtimes).
        pub(crate) fn interval_ticks(
            rt: &::$rt::runtime::Runtime,
        ) -> $crate::workloads::Routine<'_> {
            use std::task::Poll;
            use $crate::workloads::time::{
                INTERVALS_PER_TASK, INTERVAL_MICROS, INTERVAL_TASKS, TICKS,
            };
            Box::new(move || {
                in_task(rt, async move {
                    let handles: Vec<_> = (0..INTERVAL_TASKS)
                        .map(|_| {
                            ::$rt::spawn(async move {
                                let period = std::time::Duration::from_micros(INTERVAL_MICROS);
                                let mut intervals: Vec<_> = (0..INTERVALS_PER_TASK)
                                    .map(|_| (::$rt::time::interval(period), TICKS))
                                    .collect();
                                let mut remaining = INTERVALS_PER_TASK * TICKS;
                                std::future::poll_fn(|cx| {
                                    for (interval, left) in intervals.iter_mut() {
                                        while *left > 0 {
                                            match interval.poll_tick(cx) {
                                                Poll::Ready(at) => {
                                                    std::hint::black_box(at);
                                                    *left -= 1;
                                                    remaining -= 1;
                                                }
                                                Poll::Pending => break,
                                            }
                                        }
                                    }
                                    if remaining == 0 {
                                        Poll::Ready(())
                                    } else {
                                        Poll::Pending
                                    }
                                })
                                .await;
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.expect("interval task failed");
                    }
                })
            })
        }

        /// [`TIMER_TASKS`] tasks each reset one registered sleep [`RESETS_PER_TASK`] times
        /// to a random deadline 100 ms to 1 s away, polling it after each reset (so the
        /// timer really moves), then drop it.
        pub(crate) fn sleep_reset(rt: &::$rt::runtime::Runtime) -> $crate::workloads::Routine<'_> {
            use std::future::Future;
            use std::task::Poll;
            use std::time::Duration;
            use $crate::workloads::time::{Rng, RESETS_PER_TASK, TIMER_TASKS};
            Box::new(move || {
                in_task(rt, async move {
                    let handles: Vec<_> = (0..TIMER_TASKS)
                        .map(|t| {
                            ::$rt::spawn(async move {
                                let mut rng = Rng::new(t as u64);
                                let mut sleep =
                                    std::pin::pin!(::$rt::time::sleep(Duration::from_secs(1)));
                                for _ in 0..RESETS_PER_TASK {
                                    let after = Duration::from_micros(100_000 + rng.below(900_000));
                                    sleep.as_mut().reset(::$rt::time::Instant::now() + after);
                                    // Pending unless the thread stalled past the
                                    // deadline (a loaded machine); the next reset
                                    // re-arms it either way.
                                    std::future::poll_fn(|cx| {
                                        let _ = sleep.as_mut().poll(cx);
                                        Poll::Ready(())
                                    })
                                    .await;
                                }
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.expect("reset task failed");
                    }
                })
            })
        }
    };
}

pub(crate) use time_workloads;
