//! The idle-task memory measurement, with the counting allocator installed as it is in the
//! `compare` binary.

use magpie_benches::memory::{idle_task_bytes, CountingAlloc};
use magpie_benches::{BenchRuntime, Magpie, Tokio};
use std::sync::Mutex;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The counter sees every thread's allocations: keep the two tests from building runtimes
/// while the other measures.
static SERIAL: Mutex<()> = Mutex::new(());

fn check<R: BenchRuntime>() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = R::build(2);
    let measured = idle_task_bytes(&rt, 2_000);
    assert_eq!(measured.tasks, 2_000);
    // A task holds at least its future's state and a scheduler header, and far less than
    // a page: anything outside that range means the measurement counted the wrong thing.
    let per_task = measured.per_task();
    assert!(
        (32.0..4096.0).contains(&per_task),
        "{}: {per_task} bytes per idle task",
        R::NAME
    );
}

#[test]
fn magpie_idle_tasks_are_measured() {
    check::<Magpie>();
}

#[test]
fn tokio_idle_tasks_are_measured() {
    check::<Tokio>();
}
