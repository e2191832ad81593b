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
