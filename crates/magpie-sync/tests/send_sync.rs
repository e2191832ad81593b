//! Compile-time checks that handles and futures are `Send`/`Sync` where tokio's are, so
//! they work with multi-threaded `spawn`.
#![cfg(not(loom))]
#![allow(dead_code, clippy::let_underscore_future)]

use std::sync::Arc;

use magpie_sync::*;

fn send_sync<T: Send + Sync>(_: &T) {}
fn send<T: Send>(_: &T) {}

#[test]
fn handles_are_send_and_sync() {
    let (tx, rx) = mpsc::channel::<String>(1);
    send_sync(&tx);
    send_sync(&rx);
    send_sync(&tx.downgrade());
    let (utx, urx) = mpsc::unbounded_channel::<String>();
    send_sync(&utx);
    send_sync(&urx);
    let (otx, orx) = oneshot::channel::<String>();
    send_sync(&otx);
    send_sync(&orx);
    let (btx, brx) = broadcast::channel::<String>(1);
    send_sync(&btx);
    send_sync(&brx);
    let (wtx, wrx) = watch::channel(String::new());
    send_sync(&wtx);
    send_sync(&wrx);
    send_sync(&Semaphore::new(1));
    send_sync(&Mutex::new(String::new()));
    send_sync(&RwLock::new(String::new()));
    send_sync(&Notify::new());
    send_sync(&Barrier::new(1));
    send_sync(&OnceCell::<String>::new());
    send_sync(&SetOnce::<String>::new());
}

#[test]
fn futures_are_send() {
    let (tx, mut rx) = mpsc::channel::<String>(1);
    send(&tx.send(String::new()));
    send(&tx.reserve());
    send(&tx.closed());
    send(&rx.recv());
    let (btx, mut brx) = broadcast::channel::<String>(1);
    send(&brx.recv());
    drop(btx);
    let (wtx, mut wrx) = watch::channel(String::new());
    send(&wrx.changed());
    send(&wrx.wait_for(|v| v.is_empty()));
    send(&wtx.closed());
    let sem = Arc::new(Semaphore::new(1));
    send(&sem.acquire());
    send(&sem.clone().acquire_owned());
    let m = Arc::new(Mutex::new(String::new()));
    send(&m.lock());
    send(&m.clone().lock_owned());
    let l = Arc::new(RwLock::new(String::new()));
    send(&l.read());
    send(&l.write());
    let n = Arc::new(Notify::new());
    send(&n.notified());
    send(&n.clone().notified_owned());
    let c = OnceCell::<String>::new();
    send(&c.get_or_init(|| async { String::new() }));
    let b = Barrier::new(1);
    send(&b.wait());
}

fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}

/// As tokio's: these may be used across `catch_unwind`.
#[test]
fn notify_semaphore_and_channels_are_unwind_safe() {
    unwind_safe::<Notify>();
    unwind_safe::<Semaphore>();
    unwind_safe::<mpsc::Sender<std::cell::Cell<u8>>>();
    unwind_safe::<mpsc::Receiver<std::cell::Cell<u8>>>();
    unwind_safe::<mpsc::UnboundedSender<std::cell::Cell<u8>>>();
    unwind_safe::<mpsc::UnboundedReceiver<std::cell::Cell<u8>>>();
}

/// `send_timeout`'s future holds a timer, yet is `Sync` like tokio's.
#[test]
fn send_timeout_future_is_sync() {
    let (tx, _rx) = mpsc::channel::<String>(1);
    send_sync(&tx.send_timeout(String::new(), std::time::Duration::from_secs(1)));
}
