//! `runtime::is_rt_shutdown_err` through the facade: an I/O object outliving its runtime
//! fails with the shutdown error, which the predicate recognises (and nothing else).

use std::io;

#[test]
fn socket_of_a_dropped_runtime_fails_with_the_shutdown_error() {
    let first = magpie::runtime::Runtime::new().unwrap();
    let listener =
        first.block_on(async { magpie::net::TcpListener::bind("127.0.0.1:0").await.unwrap() });
    drop(first);
    let second = magpie::runtime::Runtime::new().unwrap();
    let err = second.block_on(async { listener.accept().await.unwrap_err() });
    assert!(magpie::runtime::is_rt_shutdown_err(&err), "{err:?}");
    assert!(!magpie::runtime::is_rt_shutdown_err(&io::Error::other(
        "other"
    )));
    assert!(!magpie::runtime::is_rt_shutdown_err(
        &io::ErrorKind::Other.into()
    ));
}

#[test]
fn stdout_and_stderr_after_shutdown_report_the_shutdown_error() {
    // Their writes are mandatory work for the blocking pool (they must not vanish at
    // shutdown); once the pool is gone they fail with the shutdown error, as tokio's.
    use magpie::io::AsyncWriteExt;
    let rt = magpie::runtime::Runtime::new().unwrap();
    let handle = rt.handle().clone();
    rt.shutdown_timeout(std::time::Duration::from_secs(10));
    let err = handle
        .block_on(async { magpie::io::stdout().write_all(b"x").await })
        .unwrap_err();
    assert!(magpie::runtime::is_rt_shutdown_err(&err), "{err:?}");
    let err = handle
        .block_on(async { magpie::io::stderr().write_all(b"x").await })
        .unwrap_err();
    assert!(magpie::runtime::is_rt_shutdown_err(&err), "{err:?}");
}

#[test]
#[should_panic(
    expected = "there is no reactor running, must be called from the context of a Tokio 1.x runtime"
)]
fn fs_outside_a_runtime_panics_with_tokios_message() {
    let _ = futures::executor::block_on(magpie::fs::read_to_string("Cargo.toml"));
}

#[test]
fn child_spawned_on_a_dropped_runtime_is_awaited_on_another() {
    // The exit watch was registered with the first runtime's reactor; awaiting the child
    // from a second runtime must still see it exit (tokio allows this), not fail with the
    // first runtime's shutdown error. The child outlives the first runtime on purpose.
    let mut child = magpie::runtime::Runtime::new().unwrap().block_on(async {
        magpie::process::Command::new("sleep")
            .arg("0.2")
            .spawn()
            .unwrap()
    });
    let status = magpie::runtime::Runtime::new()
        .unwrap()
        .block_on(async { child.wait().await })
        .unwrap();
    assert!(status.success());
}
