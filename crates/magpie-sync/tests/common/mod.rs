//! Test support shared by the behaviour tests.
//!
//! Every test body is an `async` block handed to [`run`], so the same tests can later run
//! on another executor by changing `run` alone. Tests that must observe single polls use
//! [`Task`], a manually polled future with a wake counter.

#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Runs a test body to completion on the executor under test: `futures::executor` by
/// default, magpie's current-thread or multi-thread runtime with
/// `MAGPIE_SYNC_EXECUTOR=magpie` or `magpie-mt` (CI runs all three).
pub fn run<F: Future>(fut: F) -> F::Output {
    match std::env::var("MAGPIE_SYNC_EXECUTOR").as_deref() {
        Ok("magpie") => magpie_sched::runtime::Builder::new_current_thread()
            .build()
            .expect("cannot build the magpie runtime")
            .block_on(fut),
        Ok("magpie-mt") => magpie_sched::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("cannot build the magpie runtime")
            .block_on(fut),
        Ok("futures") | Err(_) => futures::executor::block_on(fut),
        Ok(other) => {
            panic!("MAGPIE_SYNC_EXECUTOR={other:?}: expected futures, magpie or magpie-mt")
        }
    }
}

/// Counts wake-ups.
#[derive(Default)]
pub struct WakeCounter(AtomicUsize);

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A future polled by hand, with its own waker that counts wake-ups.
pub struct Task<F: Future> {
    fut: Pin<Box<F>>,
    counter: Arc<WakeCounter>,
    waker: Waker,
}

impl<F: Future> Task<F> {
    pub fn new(fut: F) -> Task<F> {
        let counter = Arc::new(WakeCounter::default());
        let waker = Waker::from(counter.clone());
        Task {
            fut: Box::pin(fut),
            counter,
            waker,
        }
    }

    pub fn poll(&mut self) -> Poll<F::Output> {
        let mut cx = Context::from_waker(&self.waker);
        self.fut.as_mut().poll(&mut cx)
    }

    /// Polls, expecting `Pending`.
    #[track_caller]
    pub fn pending(&mut self) {
        assert!(
            self.poll().is_pending(),
            "expected the future to be pending"
        );
    }

    /// Polls, expecting `Ready`, and returns the output.
    #[track_caller]
    pub fn ready(&mut self) -> F::Output {
        match self.poll() {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("expected the future to be ready"),
        }
    }

    pub fn wakes(&self) -> usize {
        self.counter.0.load(Ordering::SeqCst)
    }

    pub fn is_woken(&self) -> bool {
        self.wakes() > 0
    }
}

/// A tiny deterministic xorshift generator for randomized tests with a fixed seed.
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
