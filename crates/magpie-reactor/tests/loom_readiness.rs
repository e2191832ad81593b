//! Loom: the readiness word and the waker slots never lose a wake-up.
//!
//! Each model has the reactor's side (make data available, then deliver the event) race a
//! task that polls readiness, "reads" (consumes the data or sees `WouldBlock`) and clears
//! the readiness it saw. Loom's `block_on` parks the task until it is woken, so a lost
//! wake-up shows up as a deadlock.

#![cfg(loom)]

use std::task::Poll;

use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use magpie_reactor::__loom::{Direction, ScheduledIo};
use magpie_reactor::{Interest, Ready};

/// The task's loop: wait for readiness, try to consume, clear on `WouldBlock`.
async fn consume(io: &ScheduledIo, data: &AtomicUsize, want: usize, direction: Direction) {
    let mut got = 0;
    while got < want {
        let ev = std::future::poll_fn(|cx| io.poll_ready(cx, direction)).await;
        assert!(!ev.is_shutdown);
        let n = data.swap(0, SeqCst);
        if n == 0 {
            io.clear_readiness(ev);
        } else {
            got += n;
        }
    }
}

fn deliver(io: &ScheduledIo, data: &AtomicUsize, ready: Ready) {
    data.fetch_add(1, SeqCst);
    let mut wake = Vec::new();
    io.dispatch(ready, &mut wake);
    wake.into_iter().for_each(|w| w.wake());
}

#[test]
fn event_racing_clear_is_not_lost() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let data = Arc::new(AtomicUsize::new(0));
        let (io2, data2) = (io.clone(), data.clone());
        let reactor = thread::spawn(move || {
            deliver(&io2, &data2, Ready::READABLE);
            deliver(&io2, &data2, Ready::READABLE);
        });
        block_on(consume(&io, &data, 2, Direction::Read));
        reactor.join().unwrap();
    });
}

#[test]
fn reader_and_writer_on_one_socket() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let rdata = Arc::new(AtomicUsize::new(0));
        let wdata = Arc::new(AtomicUsize::new(0));
        let (io2, r2, w2) = (io.clone(), rdata.clone(), wdata.clone());
        let reactor = thread::spawn(move || {
            // One event carries both directions.
            r2.fetch_add(1, SeqCst);
            w2.fetch_add(1, SeqCst);
            let mut wake = Vec::new();
            io2.dispatch(Ready::READABLE | Ready::WRITABLE, &mut wake);
            wake.into_iter().for_each(|w| w.wake());
        });
        let (io3, w3) = (io.clone(), wdata.clone());
        let writer = thread::spawn(move || block_on(consume(&io3, &w3, 1, Direction::Write)));
        block_on(consume(&io, &rdata, 1, Direction::Read));
        writer.join().unwrap();
        reactor.join().unwrap();
    });
}

/// A readiness-future waiter (what `readable().await` + `try_read` does) racing two
/// events: the clear after `WouldBlock` never swallows the second one.
#[test]
fn readiness_future_racing_events() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let data = Arc::new(AtomicUsize::new(0));
        let (io2, data2) = (io.clone(), data.clone());
        let reactor = thread::spawn(move || {
            deliver(&io2, &data2, Ready::READABLE);
            deliver(&io2, &data2, Ready::READABLE);
        });
        block_on(async {
            let mut got = 0;
            let mut key = None;
            while got < 2 {
                let ev =
                    std::future::poll_fn(|cx| io.poll_waiter(cx, Interest::READABLE, &mut key))
                        .await;
                assert!(key.is_none(), "a completed wait leaves no entry behind");
                let n = data.swap(0, SeqCst);
                if n == 0 {
                    io.clear_readiness(ev);
                } else {
                    got += n;
                }
            }
        });
        reactor.join().unwrap();
    });
}

#[test]
fn readiness_future_and_shutdown() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let io2 = io.clone();
        let reactor = thread::spawn(move || {
            let mut wake = Vec::new();
            io2.shutdown(&mut wake);
            wake.into_iter().for_each(|w| w.wake());
        });
        let mut key = None;
        let ev = block_on(std::future::poll_fn(|cx| {
            match io.poll_waiter(cx, Interest::READABLE, &mut key) {
                Poll::Ready(ev) => Poll::Ready(ev),
                Poll::Pending => Poll::Pending,
            }
        }));
        assert!(ev.is_shutdown);
        if let Some(k) = key {
            io.remove_waiter(k);
        }
        reactor.join().unwrap();
    });
}

/// Read and write events interleaved on one socket (the ticks are per direction): a
/// reader's clear after `WouldBlock` may ignore a write event that arrived meanwhile, but
/// must never swallow a read event, and the writer's clear must never swallow a write one.
#[test]
fn write_events_between_read_events_do_not_hide_them() {
    loom::model(|| {
        let io = Arc::new(ScheduledIo::new());
        let rdata = Arc::new(AtomicUsize::new(0));
        let wdata = Arc::new(AtomicUsize::new(0));
        let (io2, r2, w2) = (io.clone(), rdata.clone(), wdata.clone());
        let reactor = thread::spawn(move || {
            deliver(&io2, &w2, Ready::WRITABLE);
            deliver(&io2, &r2, Ready::READABLE);
            deliver(&io2, &w2, Ready::WRITABLE);
        });
        let (io3, w3) = (io.clone(), wdata.clone());
        let writer = thread::spawn(move || block_on(consume(&io3, &w3, 2, Direction::Write)));
        block_on(consume(&io, &rdata, 1, Direction::Read));
        writer.join().unwrap();
        reactor.join().unwrap();
    });
}
