//! Criterion benches of the scheduler workloads: one group per workload, with a `magpie`
//! and a `tokio` function on the same worker count (`MAGPIE_BENCH_WORKERS`, default 2).
//!
//! The workloads themselves live in the library (`magpie_benches::workloads`), shared with
//! the `compare` binary. Run with `cargo bench -p magpie-benches --bench scheduler`, or a
//! single group with e.g. `-- ping_pong`.

use criterion::{criterion_group, criterion_main, Criterion};
use magpie_benches::{workers_from_env, BenchRuntime, Magpie, Tokio, Workload};

fn scheduler(c: &mut Criterion) {
    let workers = workers_from_env();
    for workload in Workload::ALL {
        let mut group = c.benchmark_group(workload.name());
        bench_on::<Magpie>(&mut group, workload, workers);
        bench_on::<Tokio>(&mut group, workload, workers);
        group.finish();
    }
}

fn bench_on<R: BenchRuntime>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    workload: Workload,
    workers: usize,
) {
    let rt = R::build(workers);
    let mut routine = workload.prepare(&rt, workers);
    group.bench_function(R::NAME, |b| b.iter(&mut routine));
}

criterion_group! {
    name = benches;
    // Runs of these workloads take milliseconds: fewer samples keep a full `cargo bench`
    // within minutes on two cores.
    config = Criterion::default().sample_size(20);
    targets = scheduler
}
criterion_main!(benches);
