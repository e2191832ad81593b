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

#[magpie::test(start_paused = true)]
async fn select_loop_over_a_channel_with_a_deadline() {
    let (tx, mut rx) = magpie::sync::mpsc::channel::<u32>(8);
    magpie::spawn(async move {
        for i in 1..=3 {
            tx.send(i).await.unwrap();
            magpie::time::sleep(Duration::from_millis(10)).await;
        }
        // Keep the channel open past the deadline.
        magpie::time::sleep(Duration::from_secs(60)).await;
        drop(tx);
    });
    let deadline = magpie::time::sleep(Duration::from_secs(1));
    magpie::pin!(deadline);
    let mut got = Vec::new();
    loop {
        magpie::select! {
            Some(v) = rx.recv() => got.push(v),
            _ = &mut deadline => break,
        }
    }
    assert_eq!(got, [1, 2, 3]);
}

#[magpie::test(flavor = "multi_thread", worker_threads = 4)]
async fn task_locals_follow_tasks_across_workers() {
    magpie::task_local! {
        static SLOT: usize;
    }
    let mut handles = Vec::new();
    for i in 0..16 {
        handles.push(magpie::spawn(SLOT.scope(i, async move {
            for _ in 0..50 {
                magpie::task::yield_now().await;
                assert_eq!(SLOT.get(), i);
            }
            i
        })));
    }
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.await.unwrap(), i);
    }
}

#[magpie::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_join_over_join_handles() {
    let ok = magpie::try_join!(magpie::spawn(async { 1 }), magpie::spawn(async { 2 }));
    assert_eq!(ok.unwrap(), (1, 2));
    let failed = magpie::try_join!(
        magpie::spawn(async { panic!("task failed") }),
        magpie::spawn(std::future::pending::<()>()),
    );
    assert!(failed.unwrap_err().is_panic());
}

mod imported_attribute {
    // `#[test]` is magpie's here; the expansion must still add the built-in one.
    use magpie::test;

    #[test]
    async fn test_macro_can_be_used_via_use() {
        magpie::spawn(async {}).await.unwrap();
    }
}

// A macro_rules-generated test: the body arrives as an invisible-delimited group.
macro_rules! generated_test {
    (async fn $name:ident() $body:block) => {
        #[magpie::test]
        async fn $name() $body
    };
}

generated_test!(
    async fn generated_by_macro_rules() {
        magpie::task::yield_now().await;
    }
);
