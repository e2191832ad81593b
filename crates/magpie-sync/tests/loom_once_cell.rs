//! loom model checks of `OnceCell`, `SetOnce` and `Barrier`.
#![cfg(loom)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Waker};

use loom::thread;
use magpie_sync::{Barrier, OnceCell, SetOnce};

/// Two initialisers race; both see the same single value.
#[test]
fn once_cell_racing_init() {
    loom::model(|| {
        let c = Arc::new(OnceCell::new());
        let c2 = c.clone();
        let t = thread::spawn(move || {
            loom::future::block_on(async { *c2.get_or_init(|| async { 1 }).await })
        });
        let mine = loom::future::block_on(async { *c.get_or_init(|| async { 2 }).await });
        assert_eq!(t.join().unwrap(), mine);
    });
}

/// An initialiser that holds the turn is cancelled while another waits: the other one
/// must get the turn and initialise.
#[test]
fn once_cell_cancel_while_granted() {
    loom::model(|| {
        let c = Arc::new(OnceCell::new());
        let mut first = Box::pin(c.get_or_init(std::future::pending::<u8>));
        let _ = first.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        let c2 = c.clone();
        let t = thread::spawn(move || {
            loom::future::block_on(async { *c2.get_or_init(|| async { 7 }).await })
        });
        drop(first);
        assert_eq!(t.join().unwrap(), 7);
    });
}

/// `SetOnce::set` races `wait`.
#[test]
fn set_once_set_races_wait() {
    loom::model(|| {
        let c = Arc::new(SetOnce::new());
        let c2 = c.clone();
        let t = thread::spawn(move || c2.set(3).unwrap());
        assert_eq!(*loom::future::block_on(c.wait()), 3);
        t.join().unwrap();
    });
}

/// Two parties meet at a barrier; exactly one leads.
#[test]
fn barrier_two_parties() {
    loom::model(|| {
        let b = Arc::new(Barrier::new(2));
        let b2 = b.clone();
        let t = thread::spawn(move || loom::future::block_on(b2.wait()).is_leader());
        let mine = loom::future::block_on(b.wait()).is_leader();
        assert!(mine ^ t.join().unwrap());
    });
}
