//! Shutdown with many pending timers: every `Sleep` is woken, observes the shutdown, and
//! dropping everything frees every byte (counted by a global allocator). This binary
//! holds one test only: a concurrent test would disturb the count.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::pin::Pin;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use magpie_sched::park::{Park, Parker};
use magpie_timer::{sleep, Builder, Sleep};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: the caller upholds `alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct CountWakes(AtomicUsize);
impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn million_pending_sleeps_are_woken_and_freed_at_shutdown() {
    let n = 1_000_000;
    // Warm up thread-locals and lazy statics of the test harness before counting.
    {
        let driver = Builder::new().shards(4).build(Parker::new());
        let _g = driver.handle().enter();
        drop(sleep(Duration::from_millis(1)));
    }
    let before = LIVE_BYTES.load(Ordering::SeqCst);
    {
        let mut driver = Builder::new().shards(4).build(Parker::new());
        let handle = driver.handle();
        let _g = handle.enter();
        let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        let mut sleeps: Vec<Pin<Box<Sleep>>> = Vec::with_capacity(n);
        for i in 0..n {
            let mut s = Box::pin(sleep(Duration::from_secs(60 + i as u64)));
            assert!(s.as_mut().poll(&mut cx).is_pending());
            sleeps.push(s);
        }
        driver.shutdown();
        assert_eq!(wakes.0.load(Ordering::SeqCst), n);
        // (Polling them now panics; `tests/sleep.rs` checks that. A panic here would
        // make the backtrace machinery allocate caches that would count as a leak.)
        assert!(sleeps.iter().all(|s| s.is_elapsed()));
        drop(sleeps);
        drop(driver);
    }
    let after = LIVE_BYTES.load(Ordering::SeqCst);
    assert_eq!(after, before, "leaked {} bytes", after - before);
}

use std::future::Future;
