//! `spawn_local`, `LocalSet` and `LocalRuntime` semantics checked against tokio's: where
//! `spawn_local` may be called and what it says when it may not, `block_in_place` inside a
//! running set, wakes while a set is only entered, and sets dropped with thread-locals.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

use magpie::runtime::{Builder, LocalOptions, LocalRuntime, Runtime};
use magpie::task::{self, LocalSet};

fn local_rt() -> LocalRuntime {
    Builder::new_current_thread()
        .enable_all()
        .build_local(LocalOptions::default())
        .unwrap()
}

fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    err.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

const OUTSIDE: &str =
    "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`";

#[test]
fn spawn_local_under_a_local_runtime_enter_guard_runs_at_block_on() {
    let rt = local_rt();
    let not_send = Rc::new(5);
    let _guard = rt.enter();
    let h = task::spawn_local({
        let v = not_send.clone();
        async move { *v + 1 }
    });
    assert_eq!(rt.block_on(h).unwrap(), 6);
}

#[test]
fn spawn_local_in_a_local_runtime_context_on_another_thread_panics() {
    let rt = local_rt();
    let handle = rt.handle().clone();
    let msg = std::thread::spawn(move || {
        let _guard = handle.enter();
        panic_message(|| {
            task::spawn_local(async {});
        })
    })
    .join()
    .unwrap();
    assert_eq!(
        msg,
        "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was created on"
    );
    // Still true once the runtime is gone: the handle stays a local runtime's.
    let handle = rt.handle().clone();
    drop(rt);
    let msg = std::thread::spawn(move || {
        let _guard = handle.enter();
        panic_message(|| {
            task::spawn_local(async {});
        })
    })
    .join()
    .unwrap();
    assert!(msg.starts_with("Local tasks can only be spawned on a LocalRuntime"));
}

#[test]
fn spawn_local_outside_any_set_names_both_options() {
    for rt in [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
    ] {
        let msg = panic_message(|| {
            rt.block_on(async {
                task::spawn_local(async {});
            })
        });
        assert_eq!(msg, OUTSIDE);
    }
    let msg = std::thread::spawn(|| {
        panic_message(|| {
            task::spawn_local(async {});
        })
    })
    .join()
    .unwrap();
    assert_eq!(msg, OUTSIDE);
}

#[test]
fn block_in_place_inside_a_running_local_set_panics() {
    const MSG: &str = "can call blocking only when running on the multi-threaded runtime";
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // In the future `run_until` drives.
    let msg = panic_message(|| {
        rt.block_on(async {
            LocalSet::new()
                .run_until(async { task::block_in_place(|| {}) })
                .await
        })
    });
    assert_eq!(msg, MSG);
    // In a local task.
    let out = rt.block_on(async {
        let set = LocalSet::new();
        let h = set.spawn_local(async { task::block_in_place(|| {}) });
        set.await;
        h.await
    });
    assert!(out.unwrap_err().is_panic());
    // Outside a set, the block_on thread of a multi-thread runtime may block in place.
    rt.block_on(async { task::block_in_place(|| {}) });
}

#[test]
fn local_task_woken_while_the_set_is_only_entered_still_runs() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let set = LocalSet::new();
        let _entered = set.enter();
        let (tx, rx) = magpie::sync::oneshot::channel();
        set.run_until(async move {
            task::spawn_local(async move {
                magpie::time::sleep(Duration::ZERO).await;
                tx.send(()).unwrap();
            });
            rx.await.unwrap();
        })
        .await;
    });
}

#[test]
fn local_set_dropped_during_thread_local_destruction() {
    struct Both {
        _rt: Runtime,
        _set: LocalSet,
    }
    thread_local! {
        static KEPT: RefCell<Option<Both>> = const { RefCell::new(None) };
    }
    std::thread::spawn(|| {
        let rt = Builder::new_current_thread().enable_all().build().unwrap();
        let set = LocalSet::new();
        // Spawned but never run: cancelled when the set drops with the thread-locals.
        rt.block_on(set.run_until(async {
            task::spawn_local(async {});
            task::spawn_local(std::future::pending::<()>());
        }));
        KEPT.with(|k| *k.borrow_mut() = Some(Both { _rt: rt, _set: set }));
    })
    .join()
    .expect("dropping a LocalSet with the thread-locals must not panic");
}

#[test]
fn block_in_place_runs_its_closure_without_a_coop_budget() {
    // A blocking closure that drives a future over many ready items must not be cut off
    // by the task's budget (nothing would ever wake it).
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let count = |n: usize| {
        let (tx, mut rx) = magpie::sync::mpsc::unbounded_channel();
        for i in 0..n {
            tx.send(i).unwrap();
        }
        drop(tx);
        futures::executor::block_on(async move {
            let mut seen = 0;
            while rx.recv().await.is_some() {
                seen += 1;
            }
            seen
        })
    };
    // From a worker, and from the thread in `block_on`.
    let from_task = rt.block_on(async move {
        magpie::spawn(async move { task::block_in_place(move || count(1000)) })
            .await
            .unwrap()
    });
    assert_eq!(from_task, 1000);
    let from_block_on = rt.block_on(async move { task::block_in_place(move || count(1000)) });
    assert_eq!(from_block_on, 1000);
}
