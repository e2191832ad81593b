//! Every workload runs to completion on both runtimes, repeatedly, and tears down cleanly.
//! No timing is asserted: these tests only show that the numbers `compare` and criterion
//! print come from workloads that actually finish their work.

use magpie_benches::workloads::Family;
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
    assert!(names.iter().all(|n| n
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')));
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Workload::ALL.len());
}

#[test]
fn families_follow_name_prefixes() {
    for workload in Workload::ALL {
        let name = workload.name();
        let family = workload.family();
        let expected = if name.starts_with("sync_") {
            Family::Sync
        } else if name.starts_with("time_") {
            Family::Time
        } else if name.starts_with("io_") {
            Family::Io
        } else {
            Family::Scheduler
        };
        assert_eq!(family, expected, "{name}");
        // Only the TCP echo rows are throughput rows, and they move bytes.
        assert_eq!(
            workload.throughput_bytes().is_some(),
            name.starts_with("io_tcp_echo"),
            "{name}"
        );
        assert_ne!(workload.throughput_bytes(), Some(0), "{name}");
    }
    for family in [Family::Scheduler, Family::Sync, Family::Time, Family::Io] {
        assert!(Workload::ALL.iter().any(|w| w.family() == family));
    }
}

#[test]
#[should_panic(expected = "is a scheduler workload")]
fn scheduler_workloads_are_not_api_workloads() {
    let rt = Magpie::build(1);
    let _ = rt.prepare_api(Workload::PingPong);
}
