//! Criterion benches of the loopback I/O (TCP echo throughput, UDP ping-pong): one group per workload, with a `magpie` and a `tokio`
//! function on the same worker count (`MAGPIE_BENCH_WORKERS`, default 2).
//!
//! The workloads live in the library (`magpie_benches::workloads::io`), shared with the
//! `compare` binary. Run with `cargo bench -p magpie-benches --bench io`, or a single group
//! with e.g. `-- io_tcp_echo_1k_1c`.

use criterion::{criterion_group, criterion_main, Criterion};
use magpie_benches::workloads::Family;

mod common;

fn io(c: &mut Criterion) {
    common::bench_family(c, Family::Io);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = io
}
criterion_main!(benches);
