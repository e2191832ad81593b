//! `#[magpie::test]` (and through trybuild, `#[magpie::main]`) on a real runtime: the
//! flavor, the worker count, the paused clock, return types and re-exported crate paths.

use std::time::Duration;

use magpie::runtime::Handle;

#[magpie::test]
async fn test_defaults_to_current_thread() {
    assert_eq!(Handle::current().metrics().num_workers(), 1);
}

#[magpie::test(flavor = "multi_thread", worker_threads = 3)]
async fn multi_thread_with_three_workers() {
    assert_eq!(Handle::current().metrics().num_workers(), 3);
    let handle = magpie::spawn(async { 40 + 2 });
    assert_eq!(handle.await.unwrap(), 42);
}

#[magpie::test(flavor = "current_thread", start_paused = true)]
async fn start_paused_auto_advances_the_clock() {
    let start = magpie::time::Instant::now();
    magpie::time::sleep(Duration::from_secs(3600)).await;
    // Virtual time: the hour passes at once, and exactly (no wall-clock assertion).
    assert!(start.elapsed() >= Duration::from_secs(3600));
}

#[magpie::test]
async fn returns_a_result() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "7".parse()?;
    assert_eq!(n, 7);
    Ok(())
}

#[magpie::test]
#[should_panic(expected = "boom from the test body")]
async fn panics_propagate() {
    magpie::task::yield_now().await;
    panic!("boom from the test body");
}

#[magpie::test]
async fn macros_work_inside_the_runtime() {
    magpie::task_local! {
        static ID: u32;
    }
    let (a, b) = magpie::join!(
        ID.scope(1, async {
            magpie::task::yield_now().await;
            ID.get()
        }),
        async {
            magpie::select! {
                v = magpie::spawn(async { 5 }) => v.unwrap(),
                _ = magpie::time::sleep(Duration::from_secs(10)) => 0,
            }
        }
    );
    assert_eq!((a, b), (1, 5));
}

mod reexported {
    pub use magpie as rt;
}

#[magpie::test(crate = "reexported::rt")]
async fn crate_path_option() {
    assert_eq!(Handle::current().metrics().num_workers(), 1);
}
