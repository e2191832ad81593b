//! Criterion benches of the timers (sleeps, timeouts, intervals, resets): one group per workload, with a `magpie` and a `tokio`
//! function on the same worker count (`MAGPIE_BENCH_WORKERS`, default 2).
//!
//! The workloads live in the library (`magpie_benches::workloads::time`), shared with the
//! `compare` binary. Run with `cargo bench -p magpie-benches --bench time`, or a single group
//! with e.g. `-- time_sleep_random`.

use criterion::{criterion_group, criterion_main, Criterion};
use magpie_benches::workloads::Family;

mod common;

fn time(c: &mut Criterion) {
    common::bench_family(c, Family::Time);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = time
}
criterion_main!(benches);
