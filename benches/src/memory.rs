//! Memory per idle task: how many heap bytes a spawned task that never finishes keeps alive.
//!
//! [`CountingAlloc`] wraps the system allocator and, while counting is switched on, keeps a
//! running total of live bytes (allocations minus frees, across all threads). A binary that
//! installs it as its `#[global_allocator]` can call [`idle_task_bytes`]: spawn `count`
//! tasks that stay pending forever, wait until each has been polled once (so queues have
//! drained and the tasks sit idle), and divide the growth in live bytes by `count`.
//!
//! Counting is off except during a measurement, so timing runs in the same process pay only
//! a relaxed load per allocation, not a contended read-modify-write.
//!
//! [`idle_task_peak_rss`] measures the other side of the same question: how much resident
//! memory (what the kernel charges the process, allocator overhead and page granularity
//! included) a large number of idle tasks costs. It reads `/proc/self/status` (Linux only)
//! and is meant to run in a fresh process, one per runtime, as `compare` does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::BenchRuntime;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
/// Set by the allocator on its first call, so a measurement can tell it is installed.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Idle tasks that have been polled once (see [`idle_task`]).
static POLLED: AtomicUsize = AtomicUsize::new(0);
/// One measurement at a time: they share the counters above.
static MEASURING: Mutex<()> = Mutex::new(());

/// The system allocator, counting live bytes while a measurement runs.
///
/// Install it in a binary with `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc;

impl CountingAlloc {
    #[inline]
    fn record(delta: isize) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_add(delta, Ordering::Relaxed);
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees are ours; the counters are side bookkeeping that never touch the
// memory handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        INSTALLED.store(true, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout, which meets `alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Self::record(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        INSTALLED.store(true, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout, which meets `alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Self::record(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller passes a block this allocator (that is, `System`) returned,
        // with its layout.
        unsafe { System.dealloc(ptr, layout) };
        Self::record(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's block came from `System` with `layout`, and `new_size` meets
        // `realloc`'s contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            Self::record(new_size as isize - layout.size() as isize);
        }
        new
    }
}

/// The result of one idle-task measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IdleTaskBytes {
    /// Tasks spawned.
    pub tasks: usize,
    /// Growth of live heap bytes once every task was spawned and polled.
    pub total_bytes: isize,
}

impl IdleTaskBytes {
    /// Live bytes per idle task.
    pub fn per_task(&self) -> f64 {
        self.total_bytes as f64 / self.tasks as f64
    }
}

/// A task that records its first poll, then stays pending forever.
async fn idle_task() {
    POLLED.fetch_add(1, Ordering::Relaxed);
    std::future::pending::<()>().await;
}

/// Spawns `count` never-finishing tasks on `rt` from inside a task (join handles dropped),
/// waits until each has been polled once, and reports the growth in live heap bytes. The
/// tasks stay alive until `rt` is dropped.
///
/// # Panics
///
/// Panics if [`CountingAlloc`] is not the global allocator, if `count` is zero, or if the
/// tasks have not all been polled within 60 seconds (a scheduler that loses tasks).
pub fn idle_task_bytes<R: BenchRuntime>(rt: &R, count: usize) -> IdleTaskBytes {
    assert!(count > 0, "idle_task_bytes needs at least one task");
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    warm(rt);
    assert!(
        INSTALLED.load(Ordering::Relaxed),
        "idle_task_bytes needs CountingAlloc installed as the #[global_allocator]"
    );

    LIVE_BYTES.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    spawn_idle(rt, count);
    COUNTING.store(false, Ordering::SeqCst);
    IdleTaskBytes {
        tasks: count,
        total_bytes: LIVE_BYTES.load(Ordering::SeqCst),
    }
}

/// Resident memory of the current process, from `/proc/self/status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rss {
    /// `VmRSS`: resident now, in bytes.
    pub current: u64,
    /// `VmHWM`: the peak resident size so far, in bytes.
    pub peak: u64,
}

impl Rss {
    /// Reads the current process's resident sizes.
    pub fn read() -> std::io::Result<Rss> {
        let status = std::fs::read_to_string("/proc/self/status")?;
        Rss::parse(&status)
            .ok_or_else(|| std::io::Error::other("no VmRSS or VmHWM line in /proc/self/status"))
    }

    fn parse(status: &str) -> Option<Rss> {
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kib: u64 = line[name.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()?;
            Some(kib * 1024)
        };
        Some(Rss {
            current: field("VmRSS:")?,
            peak: field("VmHWM:")?,
        })
    }
}

/// Spawns `count` idle tasks on `rt` as [`idle_task_bytes`] does and reports the growth of
/// the process's peak resident size (`VmHWM` at the end minus `VmRSS` just before the
/// spawns), in bytes. Run it in a fresh process: the peak is process-wide.
///
/// # Errors
///
/// Fails where `/proc/self/status` cannot be read (not Linux).
///
/// # Panics
///
/// As [`idle_task_bytes`], except that no counting allocator is needed.
pub fn idle_task_peak_rss<R: BenchRuntime>(rt: &R, count: usize) -> std::io::Result<u64> {
    assert!(count > 0, "idle_task_peak_rss needs at least one task");
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    warm(rt);
    let before = Rss::read()?;
    spawn_idle(rt, count);
    let after = Rss::read()?;
    Ok(after.peak.saturating_sub(before.current))
}

/// Warms the runtime (worker thread-locals, queue buffers) outside a measurement window.
fn warm<R: BenchRuntime>(rt: &R) {
    rt.block_on(async {
        for _ in 0..64 {
            R::spawn(async {}).await;
        }
    });
}

/// Spawns `count` idle tasks from inside a task and waits until each has been polled once.
fn spawn_idle<R: BenchRuntime>(rt: &R, count: usize) {
    POLLED.store(0, Ordering::Relaxed);
    rt.block_on(async {
        R::spawn(async move {
            for _ in 0..count {
                drop(R::spawn(idle_task()));
            }
        })
        .await;
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while POLLED.load(Ordering::Relaxed) < count {
        assert!(
            Instant::now() < deadline,
            "only {} of {count} idle tasks were polled within 60 s on {}",
            POLLED.load(Ordering::Relaxed),
            R::NAME
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[cfg(test)]
mod tests {
    use super::Rss;

    #[test]
    fn parses_proc_status() {
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t3\n";
        assert_eq!(
            Rss::parse(status),
            Some(Rss {
                current: 1024 * 1024,
                peak: 2048 * 1024
            })
        );
        assert_eq!(Rss::parse("VmRSS:\t1 kB\n"), None);
    }
}
