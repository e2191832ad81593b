//! The shim itself: tokio's macros and attributes resolve through `::tokio` (a crate that
//! is Magpie), including the options `#[tokio::test]` takes.

use std::time::Duration;

tokio::task_local! {
    static REQUEST_ID: u32;
}

#[tokio::test]
async fn macros_resolve_through_the_shim() {
    let (a, b) = tokio::join!(async { 1 }, async { 2 });
    assert_eq!(a + b, 3);
    let r: Result<(u8, u8), &str> = tokio::try_join!(async { Ok(1) }, async { Err("no") });
    assert_eq!(r, Err("no"));
    let sleep = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(sleep);
    let picked = tokio::select! {
        biased;
        _ = &mut sleep => "sleep",
        v = async { 7 } => if v == 7 { "value" } else { "other" },
    };
    assert_eq!(picked, "value");
    let id = REQUEST_ID.scope(42, async { REQUEST_ID.get() }).await;
    assert_eq!(id, 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn attribute_options_are_forwarded() {
    let flavor = tokio::runtime::Handle::current().runtime_flavor();
    assert_eq!(flavor, tokio::runtime::RuntimeFlavor::MultiThread);
    assert_eq!(tokio::runtime::Handle::current().metrics().num_workers(), 3);
}

#[tokio::test(crate = "tokio")]
async fn an_explicit_crate_option_is_kept() {
    tokio::task::yield_now().await;
}

#[test]
fn local_runtime_runs_not_send_tasks() {
    let rt = tokio::runtime::LocalRuntime::new().unwrap();
    let rc = std::rc::Rc::new(5);
    let out = rt.block_on(async move { tokio::task::spawn_local(async move { *rc }).await });
    assert_eq!(out.unwrap(), 5);
}
