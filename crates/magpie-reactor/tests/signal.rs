//! Unix signals: deliveries reach every listener, bad signal numbers are refused with
//! tokio's messages, and `ctrl_c` completes on `SIGINT` without ending the process.
//!
//! Signals are process-wide and tests run in parallel, so each test uses its own signal.

#![cfg(unix)]

mod support;

use std::pin::pin;
use std::task::Poll;

use magpie_reactor::signal::unix::{signal, SignalKind};
use support::{block_on, panic_message, poll_once, within};

fn raise(signum: libc::c_int) {
    // SAFETY: raising a signal whose handler the test installed first.
    assert_eq!(unsafe { libc::raise(signum) }, 0);
}

#[test]
fn a_delivery_reaches_every_listener() {
    within("SIGUSR1 listeners", || {
        block_on(async {
            let mut first = signal(SignalKind::user_defined1()).unwrap();
            let mut second = signal(SignalKind::user_defined1()).unwrap();
            raise(libc::SIGUSR1);
            assert_eq!(first.recv().await, Some(()));
            assert_eq!(second.recv().await, Some(()));
            // And again: a listener keeps listening.
            raise(libc::SIGUSR1);
            assert_eq!(first.recv().await, Some(()));
        })
    });
}

#[test]
fn a_listener_only_sees_later_deliveries_and_dropping_one_while_waiting_is_fine() {
    within("SIGUSR2 listeners", || {
        block_on(async {
            let mut early = signal(SignalKind::user_defined2()).unwrap();
            raise(libc::SIGUSR2);
            assert_eq!(early.recv().await, Some(()));
            // Created after that delivery was received: nothing for it yet.
            let mut late = signal(SignalKind::user_defined2()).unwrap();
            {
                let mut waiting = pin!(late.recv());
                assert!(poll_once(&mut waiting).is_pending());
            }
            let mut dropped = signal(SignalKind::user_defined2()).unwrap();
            assert!(poll_once(&mut pin!(dropped.recv())).is_pending());
            drop(dropped);
            raise(libc::SIGUSR2);
            assert_eq!(late.recv().await, Some(()));
        })
    });
}

#[test]
fn ctrl_c_completes_on_sigint_and_the_process_lives_on() {
    within("ctrl_c", || {
        block_on(async {
            let mut ctrl_c = pin!(magpie_reactor::signal::ctrl_c());
            // The first poll installs the handler and starts listening.
            assert!(poll_once(&mut ctrl_c).is_pending());
            raise(libc::SIGINT);
            ctrl_c.await.unwrap();
        })
    });
}

#[test]
fn forbidden_and_unknown_signals_are_refused() {
    block_on(async {
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, 0, -1] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("Refusing to register signal {signum}")
            );
        }
        let err = signal(SignalKind::from_raw(1000)).unwrap_err();
        assert_eq!(err.to_string(), "signal too large");
    });
}

#[test]
fn listening_outside_a_runtime_panics_with_the_reactor_message() {
    let err = std::panic::catch_unwind(|| signal(SignalKind::hangup())).unwrap_err();
    let msg = panic_message(err);
    assert!(msg.contains("there is no reactor running"), "{msg}");
}

#[test]
fn kinds_round_trip_through_raw_numbers() {
    for (kind, raw) in [
        (SignalKind::alarm(), libc::SIGALRM),
        (SignalKind::child(), libc::SIGCHLD),
        (SignalKind::hangup(), libc::SIGHUP),
        (SignalKind::interrupt(), libc::SIGINT),
        (SignalKind::io(), libc::SIGIO),
        (SignalKind::pipe(), libc::SIGPIPE),
        (SignalKind::quit(), libc::SIGQUIT),
        (SignalKind::terminate(), libc::SIGTERM),
        (SignalKind::window_change(), libc::SIGWINCH),
    ] {
        assert_eq!(kind.as_raw_value(), raw);
        assert_eq!(SignalKind::from(raw), kind);
        assert_eq!(libc::c_int::from(kind), raw);
    }
}

/// `Signal::poll_recv` by hand, as tokio-stream's `SignalStream` uses it.
#[test]
fn poll_recv_by_hand() {
    within("SIGWINCH poll_recv", || {
        block_on(async {
            let mut s = signal(SignalKind::window_change()).unwrap();
            assert!(std::future::poll_fn(|cx| Poll::Ready(s.poll_recv(cx)))
                .await
                .is_pending());
            raise(libc::SIGWINCH);
            std::future::poll_fn(|cx| s.poll_recv(cx)).await.unwrap();
        })
    });
}
