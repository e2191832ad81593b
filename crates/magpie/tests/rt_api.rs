//! Stable tokio 1.54 runtime API the facade must offer: `runtime::worker_index`, runtime
//! names, the I/O event knobs' validation, unwind safety, task-local `try_get`, and the
//! `flavor = "local"` / `name` options of the entry macros.

use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;
use std::sync::Arc;

use magpie::runtime::{self, Builder, Handle, LocalRuntime, Runtime};

#[test]
fn worker_index_by_thread_role() {
    assert_eq!(runtime::worker_index(), None);

    let ct = Builder::new_current_thread().enable_all().build().unwrap();
    assert_eq!(ct.block_on(async { runtime::worker_index() }), Some(0));
    // A spawned task on the current-thread runtime runs on worker 0 too.
    let spawned = ct.block_on(async { magpie::spawn(async { runtime::worker_index() }).await });
    assert_eq!(spawned.unwrap(), Some(0));
    // `Handle::block_on` never owns the scheduler in tokio's model.
    assert_eq!(
        ct.handle().block_on(async { runtime::worker_index() }),
        None
    );
    // Restored once block_on returns.
    assert_eq!(runtime::worker_index(), None);

    let local = LocalRuntime::new().unwrap();
    assert_eq!(local.block_on(async { runtime::worker_index() }), Some(0));

    let mt = Builder::new_multi_thread()
        .worker_threads(3)
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(mt.block_on(async { runtime::worker_index() }), None);
    let on_worker = mt.block_on(async { magpie::spawn(async { runtime::worker_index() }).await });
    assert!(matches!(on_worker.unwrap(), Some(0..=2)));
    let on_blocking = mt.block_on(async {
        magpie::task::spawn_blocking(runtime::worker_index)
            .await
            .unwrap()
    });
    assert_eq!(on_blocking, None);
}

#[test]
fn concurrent_current_thread_block_on_only_the_owner_is_worker_zero() {
    let rt = Arc::new(Builder::new_current_thread().enable_all().build().unwrap());
    let (entered_tx, entered_rx) = std::sync::mpsc::sync_channel(1);
    let (release_tx, release_rx) = magpie::sync::oneshot::channel::<()>();
    let owner = {
        let rt = rt.clone();
        std::thread::spawn(move || {
            rt.block_on(async move {
                entered_tx.send(()).unwrap();
                release_rx.await.unwrap();
                runtime::worker_index()
            })
        })
    };
    entered_rx.recv().unwrap();
    let other = {
        let rt = rt.clone();
        std::thread::spawn(move || rt.block_on(async { runtime::worker_index() }))
    };
    assert_eq!(other.join().unwrap(), None);
    release_tx.send(()).unwrap();
    assert_eq!(owner.join().unwrap(), Some(0));
}

#[test]
fn runtime_names() {
    let unnamed = Builder::new_current_thread().build().unwrap();
    assert_eq!(unnamed.handle().name(), None);
    let named = Builder::new_multi_thread()
        .worker_threads(1)
        .name("ingest")
        .build()
        .unwrap();
    assert_eq!(named.handle().name(), Some("ingest"));
    let inside = named.block_on(async { Handle::current().name().map(str::to_owned) });
    assert_eq!(inside.as_deref(), Some("ingest"));
}

#[test]
#[should_panic(expected = "runtime name shouldn't be empty")]
fn blank_runtime_name_panics() {
    Builder::new_current_thread().name("  ");
}

#[test]
#[should_panic(expected = "max_io_events_per_tick must be non-zero")]
fn zero_io_events_per_tick_panics() {
    Builder::new_multi_thread().max_io_events_per_tick(0);
}

#[test]
#[should_panic(expected = "max_io_events_per_busy_tick must be non-zero")]
fn zero_io_events_per_busy_tick_panics() {
    Builder::new_current_thread().max_io_events_per_busy_tick(0);
}

#[test]
fn io_event_knobs_build_a_working_runtime() {
    let rt = Builder::new_current_thread()
        .max_io_events_per_tick(8)
        .max_io_events_per_busy_tick(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let l = magpie::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let (a, b) = magpie::join!(magpie::net::TcpStream::connect(addr), l.accept());
        a.unwrap();
        b.unwrap();
    });
}

#[test]
fn runtime_and_handle_are_unwind_safe() {
    fn assert_unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}
    assert_unwind_safe::<Runtime>();
    assert_unwind_safe::<Handle>();
    // What tokio's tests do with it: catch a panic that borrowed the runtime.
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let caught = std::panic::catch_unwind(|| rt.block_on(async { panic!("inside") }));
    assert!(caught.is_err());
    assert_eq!(rt.block_on(async { 3 }), 3);
}

magpie::task_local! {
    static REQUEST: u32;
}

#[test]
fn task_local_try_get() {
    assert!(REQUEST.try_get().is_err());
    let rt = Builder::new_current_thread().build().unwrap();
    let got = rt.block_on(REQUEST.scope(9, async { REQUEST.try_get() }));
    assert_eq!(got.unwrap(), 9);
}

#[magpie::test(flavor = "local")]
async fn local_flavor_runs_not_send_tasks() {
    let not_send = Rc::new(4);
    let v = not_send.clone();
    let h = magpie::task::spawn_local(async move { *v * 2 });
    assert_eq!(h.await.unwrap(), 8);
    assert_eq!(runtime::worker_index(), Some(0));
}

#[magpie::test(name = "named-by-macro")]
async fn name_option_names_the_runtime() {
    assert_eq!(Handle::current().name(), Some("named-by-macro"));
}

#[test]
fn runtime_ids_tell_runtimes_apart() {
    let a = magpie::runtime::Runtime::new().unwrap();
    let b = magpie::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (ida, idb): (magpie::runtime::Id, magpie::runtime::Id) = (a.handle().id(), b.handle().id());
    assert_ne!(ida, idb);
    assert_eq!(
        a.block_on(async { magpie::runtime::Handle::current().id() }),
        ida
    );
    assert_ne!(ida.to_string(), idb.to_string());
}
