//! Magpie's benchmark suite: the same workloads run on magpie and on tokio, side by side.
//!
//! The library holds everything the two front ends share, so the numbers they print come
//! from one definition of each workload:
//!
//! - [`rt`]: the [`BenchRuntime`] seam, implemented for magpie ([`Magpie`], through the
//!   `magpie` facade) and tokio ([`Tokio`]), both built with `enable_all()`; scheduler
//!   workloads are generic over it, so each runtime gets its own monomorphised copy and no
//!   dynamic dispatch sits in a hot loop;
//! - [`workloads`]: every [`Workload`], in four families: the scheduler workloads, modelled
//!   on the shapes of tokio's `rt_multi_threaded` benches, and the sync, time and I/O
//!   workloads, written once against the runtime crate's paths and expanded for
//!   `magpie::` and `tokio::`;
//! - [`memory`]: bytes per idle spawned task, measured with [`memory::CountingAlloc`], and
//!   the peak resident-memory growth of many idle tasks, read from `/proc/self/status`;
//! - [`stats`], [`report`], [`options`]: what the `compare` binary needs to sample, summarise
//!   and print (a table, CSV, an SVG chart).
//!
//! Front ends: `cargo bench -p magpie-benches` (criterion: `benches/scheduler.rs`,
//! `sync.rs`, `time.rs`, `io.rs`) and
//! `cargo run --release -p magpie-benches --bin compare` (one process, both runtimes, medians
//! and ratios). See `docs/benchmarks.md` for the method and the latest numbers.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod memory;
pub mod options;
pub mod report;
pub mod rt;
pub mod stats;
pub mod workloads;

pub use rt::{BenchRuntime, Magpie, Tokio};
pub use workloads::Workload;

/// The worker count benchmarks use unless told otherwise.
pub const DEFAULT_WORKERS: usize = 2;

/// The worker count for both runtimes: `MAGPIE_BENCH_WORKERS` if set, else
/// [`DEFAULT_WORKERS`].
///
/// # Panics
///
/// Panics if `MAGPIE_BENCH_WORKERS` is set to anything but a positive integer.
pub fn workers_from_env() -> usize {
    match std::env::var("MAGPIE_BENCH_WORKERS") {
        Ok(s) => parse_workers(&s).unwrap_or_else(|e| panic!("MAGPIE_BENCH_WORKERS: {e}")),
        Err(_) => DEFAULT_WORKERS,
    }
}

/// Parses a worker count: a positive integer.
pub fn parse_workers(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "worker count must be a positive integer, got {s:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_workers;

    #[test]
    fn worker_counts() {
        assert_eq!(parse_workers("4"), Ok(4));
        assert_eq!(parse_workers(" 2\n"), Ok(2));
        assert!(parse_workers("0").unwrap_err().contains("positive integer"));
        assert!(parse_workers("two").unwrap_err().contains("\"two\""));
    }
}
