//! Spawn-heavy workloads: many tasks from inside or outside the runtime, and a spawn chain.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Routine, CHAIN_DEPTH, NUM_SPAWN};
use crate::BenchRuntime;

/// How long a busy task occupies its worker between yields.
const STALL: Duration = Duration::from_micros(10);

pub(super) fn many_local<R: BenchRuntime>(rt: &R) -> Routine<'_> {
    Box::new(move || {
        rt.block_on(async {
            // Spawned from a task on a worker, so the children go to that worker's local
            // queue (and overflow to the shared one), not through the remote path.
            R::spawn(async {
                let mut handles = Vec::with_capacity(NUM_SPAWN);
                for _ in 0..NUM_SPAWN {
                    handles.push(R::spawn(async {}));
                }
                for handle in handles {
                    handle.await;
                }
            })
            .await;
        })
    })
}

pub(super) fn many_remote_idle<R: BenchRuntime>(rt: &R) -> Routine<'_> {
    let handle = rt.handle();
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    Box::new(move || {
        for _ in 0..NUM_SPAWN {
            handles.push(R::spawn_on(&handle, async {}));
        }
        rt.block_on(async {
            for handle in handles.drain(..) {
                handle.await;
            }
        });
    })
}

pub(super) fn many_remote_busy<R: BenchRuntime>(rt: &R, workers: usize) -> Routine<'_> {
    let busy = BusySet::start(rt, 2 * workers);
    let mut remote = many_remote_idle(rt);
    Box::new(move || {
        // Keeps the busy set alive (and spinning) for as long as the routine exists.
        let _busy = &busy;
        remote();
    })
}

/// Tasks that keep every worker busy until dropped: each spins for [`STALL`], then yields.
struct BusySet<'a, R: BenchRuntime> {
    rt: &'a R,
    running: Arc<AtomicBool>,
    handles: Vec<R::JoinHandle<()>>,
}

impl<'a, R: BenchRuntime> BusySet<'a, R> {
    fn start(rt: &'a R, tasks: usize) -> Self {
        let running = Arc::new(AtomicBool::new(true));
        let started = Arc::new(AtomicUsize::new(0));
        let handle = rt.handle();
        let handles = (0..tasks)
            .map(|_| {
                let running = running.clone();
                let started = started.clone();
                R::spawn_on(&handle, async move {
                    started.fetch_add(1, Ordering::Relaxed);
                    while running.load(Ordering::Relaxed) {
                        stall();
                        R::yield_now().await;
                    }
                })
            })
            .collect();
        // Timing starts only once the workers really are busy.
        while started.load(Ordering::Relaxed) < tasks {
            std::thread::yield_now();
        }
        BusySet {
            rt,
            running,
            handles,
        }
    }
}

impl<R: BenchRuntime> Drop for BusySet<'_, R> {
    fn drop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
        // Wait for the busy tasks to stop so they cannot slow down whatever runs next.
        let handles = std::mem::take(&mut self.handles);
        self.rt.block_on(async {
            for handle in handles {
                handle.await;
            }
        });
    }
}

fn stall() {
    let start = Instant::now();
    while start.elapsed() < STALL {
        std::hint::spin_loop();
    }
}

pub(super) fn chained<R: BenchRuntime>(rt: &R) -> Routine<'_> {
    Box::new(move || {
        rt.block_on(async {
            let (done_tx, done_rx) = R::oneshot();
            drop(R::spawn(
                async move { chain_link::<R>(done_tx, CHAIN_DEPTH) },
            ));
            done_rx.await;
        })
    })
}

/// Spawns the next link of the chain, or signals completion at the end of it.
fn chain_link<R: BenchRuntime>(done: R::Sender<()>, remaining: usize) {
    if remaining == 0 {
        R::send(done, ());
    } else {
        // Detached: the chain's end, not each join, tells the routine it is finished.
        drop(R::spawn(
            async move { chain_link::<R>(done, remaining - 1) },
        ));
    }
}
