//! Criterion benches of the scheduler workloads: one group per workload, with a `magpie`
//! and a `tokio` function on the same worker count (`MAGPIE_BENCH_WORKERS`, default 2).
//!
//! The workloads themselves live in the library (`magpie_benches::workloads`), shared with
//! the `compare` binary. Run with `cargo bench -p magpie-benches --bench scheduler`, or a
//! single group with e.g. `-- ping_pong`.

use criterion::{criterion_group, criterion_main, Criterion};
use magpie_benches::workloads::Family;

mod common;

fn scheduler(c: &mut Criterion) {
    common::bench_family(c, Family::Scheduler);
}

criterion_group! {
    name = benches;
    // Runs of these workloads take milliseconds: fewer samples keep a full `cargo bench`
    // within minutes on two cores.
    config = Criterion::default().sample_size(20);
    targets = scheduler
}
criterion_main!(benches);
