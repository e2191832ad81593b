//! Every workload runs to completion on both runtimes, repeatedly, and tears down cleanly.
//! No timing is asserted: these tests only show that the numbers `compare` and criterion
//! print come from workloads that actually finish their work.

use magpie_benches::{BenchRuntime, Magpie, Tokio, Workload};

fn run_all<R: BenchRuntime>() {
    let rt = R::build(2);
    for workload in Workload::ALL {
        let mut routine = workload.prepare(&rt, 2);
        for _ in 0..2 {
            routine();
        }
        drop(routine);
        // A second preparation on the same runtime works too (the busy set stopped).
        let mut routine = workload.prepare(&rt, 2);
        routine();
    }
}

#[test]
fn every_workload_completes_on_magpie() {
    run_all::<Magpie>();
}

#[test]
fn every_workload_completes_on_tokio() {
    run_all::<Tokio>();
}

#[test]
fn workloads_complete_with_one_worker() {
    for workload in [Workload::SpawnManyRemoteBusy, Workload::PingPong] {
        let magpie = Magpie::build(1);
        workload.prepare(&magpie, 1)();
        let tokio = Tokio::build(1);
        workload.prepare(&tokio, 1)();
    }
}

#[test]
fn names_are_unique_and_snake_case() {
    let mut names: Vec<_> = Workload::ALL.iter().map(|w| w.name()).collect();
    assert!(names
        .iter()
        .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Workload::ALL.len());
}
