//! What the criterion targets share: one group per workload of a [`Family`], with a `magpie`
//! and a `tokio` function on the same worker count (`MAGPIE_BENCH_WORKERS`, default 2).
//! Throughput workloads (the TCP echo rows) declare their bytes per iteration, so criterion
//! reports bytes per second next to the time.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};
use magpie_benches::workloads::Family;
use magpie_benches::{workers_from_env, BenchRuntime, Magpie, Tokio, Workload};

/// Benches every workload of `family` on both runtimes.
pub fn bench_family(c: &mut Criterion, family: Family) {
    let workers = workers_from_env();
    for workload in Workload::ALL.into_iter().filter(|w| w.family() == family) {
        let mut group = c.benchmark_group(workload.name());
        if let Some(bytes) = workload.throughput_bytes() {
            group.throughput(Throughput::Bytes(bytes));
        }
        bench_on::<Magpie>(&mut group, workload, workers);
        bench_on::<Tokio>(&mut group, workload, workers);
        group.finish();
    }
}

fn bench_on<R: BenchRuntime>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    workload: Workload,
    workers: usize,
) {
    let rt = R::build(workers);
    let mut routine = workload.prepare(&rt, workers);
    group.bench_function(R::NAME, |b| b.iter(&mut routine));
}
