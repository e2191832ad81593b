//! A worker pool fed over an `mpsc` channel, with graceful shutdown: the shapes of many real
//! tokio programs.
//!
//! Jobs go into a bounded channel; N workers take them, each `select!`ing between the next
//! job and a shutdown signal on a `watch` channel. On shutdown the workers finish the job in
//! hand and stop; the main task waits for all of them with a `JoinSet`.

use std::time::Duration;

use magpie::sync::{mpsc, watch, Mutex};
use magpie::task::JoinSet;
use std::sync::Arc;

/// Runs `workers` workers over `jobs`; returns the sum of the squares they computed, and
/// how many jobs were left unprocessed when shutdown came.
async fn run_pool(workers: usize, jobs: u64, stop_after: Option<Duration>) -> (u64, usize) {
    let (job_tx, job_rx) = mpsc::channel::<u64>(16);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut pool = JoinSet::new();
    for _ in 0..workers {
        let job_rx = job_rx.clone();
        let mut stop_rx = stop_rx.clone();
        pool.spawn(async move {
            let mut done = 0u64;
            loop {
                let job = magpie::select! {
                    biased;
                    _ = stop_rx.changed() => break,
                    job = async { job_rx.lock().await.recv().await } => job,
                };
                let Some(n) = job else { break }; // channel closed: no more work
                magpie::time::sleep(Duration::from_millis(1)).await;
                done += n * n;
            }
            done
        });
    }
    let producer = magpie::spawn(async move {
        for n in 0..jobs {
            if job_tx.send(n).await.is_err() {
                break;
            }
        }
    });
    if let Some(after) = stop_after {
        magpie::time::sleep(after).await;
        stop_tx.send(true).expect("workers hold receivers");
    }
    let mut total = 0;
    while let Some(res) = pool.join_next().await {
        total += res.expect("worker panicked");
    }
    producer.abort();
    let left = job_rx.lock().await.len();
    (total, left)
}

#[magpie::main]
async fn main() {
    let (total, left) = run_pool(4, 100, None).await;
    println!("all jobs: sum of squares {total}, {left} left");
    let (total, left) = run_pool(4, 10_000, Some(Duration::from_millis(50))).await;
    println!("graceful shutdown after 50 ms: partial sum {total}, {left} queued jobs left");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[magpie::test(flavor = "multi_thread", worker_threads = 2)]
    async fn processes_every_job() {
        let (total, left) = run_pool(3, 50, None).await;
        assert_eq!(total, (0..50u64).map(|n| n * n).sum());
        assert_eq!(left, 0);
    }

    #[magpie::test(start_paused = true)]
    async fn stops_on_signal() {
        let (total, _) = run_pool(2, 1_000_000, Some(Duration::from_millis(20))).await;
        assert!(total < (0..1_000_000u64).map(|n| n * n).sum::<u64>());
    }
}
