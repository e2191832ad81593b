//! Criterion benches of the sync primitives (mpsc, oneshot, Mutex, Semaphore, Notify, broadcast, watch): one group per workload, with a `magpie` and a `tokio`
//! function on the same worker count (`MAGPIE_BENCH_WORKERS`, default 2).
//!
//! The workloads live in the library (`magpie_benches::workloads::sync`), shared with the
//! `compare` binary. Run with `cargo bench -p magpie-benches --bench sync`, or a single group
//! with e.g. `-- sync_mutex_contended`.

use criterion::{criterion_group, criterion_main, Criterion};
use magpie_benches::workloads::Family;

mod common;

fn sync(c: &mut Criterion) {
    common::bench_family(c, Family::Sync);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = sync
}
criterion_main!(benches);
