//! `magpie::signal` on the facade's runtimes: a server-style graceful shutdown on a signal,
//! on the multi-thread and the current-thread runtime.

#![cfg(unix)]

use std::time::Duration;

use magpie::signal::unix::{signal, SignalKind};

fn raise(signum: libc::c_int) {
    // SAFETY: the test installed a handler for `signum` before raising it.
    assert_eq!(unsafe { libc::raise(signum) }, 0);
}

#[test]
fn graceful_shutdown_on_sigterm_multi_thread() {
    let rt = magpie::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut term = signal(SignalKind::terminate()).unwrap();
        let server = magpie::spawn(async {
            loop {
                magpie::time::sleep(Duration::from_millis(1)).await;
            }
        });
        // Another thread sends the signal a little later, as an operator would.
        magpie::task::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(20));
            raise(libc::SIGTERM);
        });
        magpie::select! {
            got = term.recv() => assert_eq!(got, Some(())),
            _ = magpie::time::sleep(Duration::from_secs(30)) => panic!("SIGTERM never arrived"),
        }
        server.abort();
        assert!(server.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn signal_on_a_current_thread_runtime_and_a_runtime_without_io() {
    let rt = magpie::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut hup = signal(SignalKind::hangup()).unwrap();
        raise(libc::SIGHUP);
        magpie::time::timeout(Duration::from_secs(30), hup.recv())
            .await
            .expect("SIGHUP never arrived")
            .unwrap();
    });
    // Like tokio: listening needs the I/O driver, and the panic says which call is missing.
    let no_io = magpie::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        no_io.block_on(async { signal(SignalKind::hangup()) })
    }))
    .unwrap_err();
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(msg.contains("enable_io"), "{msg}");
}
