//! A seeded stress mix on the whole runtime (the scheduler alone is covered by
//! `magpie-sched/tests/stress.rs`): tasks that yield, wait for wakes from foreign threads,
//! panic in poll or in drop, sleep and reset their sleep, send and receive on bounded
//! channels whose receivers are dropped mid-wait, acquire semaphore permits under a
//! cancelling timeout, and connect/accept/echo/close TCP streams; JoinHandles are aborted or
//! dropped at random, and the runtime is shut down at a random moment.
//!
//! Exact accounting after every round: each tracked future and message dropped exactly once,
//! every semaphore permit returned, and `/proc/self/fd` back to where it started.
//!
//! By default seeds run for three seconds; `MAGPIE_STRESS=long` runs them for three minutes; `MAGPIE_STRESS_SEED=N` replays one
//! seed (a failing round prints its seed).

use std::future::poll_fn;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, Once};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use magpie::io::{AsyncReadExt, AsyncWriteExt};
use magpie::net::{TcpListener, TcpStream};
use magpie::runtime::{Builder, Runtime};
use magpie::sync::{mpsc, Semaphore};
use magpie::task::JoinHandle;

const PERMITS: usize = 8;
const STRESS_PANIC: &str = "stress: intended panic";

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Default)]
struct Counters {
    created: AtomicUsize,
    dropped: AtomicUsize,
    /// Drops that happened twice for one value (must stay 0).
    double: AtomicUsize,
}

/// A value whose drop is counted; optionally panics when dropped.
struct Tracked {
    c: Arc<Counters>,
    dropped: bool,
    panic_on_drop: bool,
}
impl Tracked {
    fn new(c: &Arc<Counters>) -> Tracked {
        c.created.fetch_add(1, SeqCst);
        Tracked {
            c: c.clone(),
            dropped: false,
            panic_on_drop: false,
        }
    }
}
impl Drop for Tracked {
    fn drop(&mut self) {
        if self.dropped {
            self.c.double.fetch_add(1, SeqCst);
        }
        self.dropped = true;
        self.c.dropped.fetch_add(1, SeqCst);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("{STRESS_PANIC} (drop)");
        }
    }
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Silences the intended panics; anything else still reports.
fn quiet_intended_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !msg.starts_with(STRESS_PANIC) {
                prev(info);
            }
        }));
    });
}

/// Foreign threads that wake tasks; joined before the round's accounting.
#[derive(Default)]
struct Wakers {
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

/// Pending until a foreign thread wakes it after `delay_us`.
async fn foreign_gate(wakers: Arc<Wakers>, delay_us: u64) {
    let opened = Arc::new(AtomicBool::new(false));
    let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
    let mut started = false;
    poll_fn(|cx| {
        if opened.load(SeqCst) {
            return Poll::Ready(());
        }
        *slot.lock().unwrap() = Some(cx.waker().clone());
        if !started {
            started = true;
            let (o, s) = (opened.clone(), slot.clone());
            let t = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_micros(delay_us));
                o.store(true, SeqCst);
                // Wake by reference, then by value: two wakes, possibly after shutdown.
                let w = s.lock().unwrap().take();
                if let Some(w) = w {
                    w.wake_by_ref();
                    w.wake();
                }
            });
            wakers.threads.lock().unwrap().push(t);
        }
        if opened.load(SeqCst) {
            return Poll::Ready(());
        }
        Poll::Pending
    })
    .await
}

async fn echo_server(listener: TcpListener, c: Arc<Counters>) {
    loop {
        let Ok((mut s, _)) = listener.accept().await else {
            continue;
        };
        let t = Tracked::new(&c);
        magpie::spawn(async move {
            let _t = t;
            let mut buf = [0u8; 64];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if s.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

/// One random operation, as a tracked task body.
async fn op(
    mut t: Tracked,
    kind: u64,
    arg: u64,
    c: Arc<Counters>,
    sem: Arc<Semaphore>,
    wakers: Arc<Wakers>,
    addr: std::net::SocketAddr,
) -> u64 {
    match kind {
        // Yield a few times and finish.
        0 => {
            for _ in 0..arg % 8 {
                magpie::task::yield_now().await;
            }
        }
        // Woken from a foreign thread.
        1 => foreign_gate(wakers, arg % 300).await,
        // Panic in poll (after a yield, so it is mid-run).
        2 => {
            magpie::task::yield_now().await;
            panic!("{STRESS_PANIC} (poll)");
        }
        // Panic in drop, when the future completes or is cancelled.
        3 => {
            t.panic_on_drop = true;
            magpie::task::yield_now().await;
        }
        // Sleep, then reset the sleep to a later deadline.
        4 => {
            let mut s = pin!(magpie::time::sleep(Duration::from_micros(arg % 500)));
            if arg % 2 == 0 {
                s.as_mut()
                    .reset(magpie::time::Instant::now() + Duration::from_micros(arg % 700));
            }
            s.await;
        }
        // A bounded channel: the receiver takes a few messages and is dropped while the
        // sender may be waiting for capacity; unsent and buffered messages are dropped.
        5 => {
            let (tx, mut rx) = mpsc::channel::<Tracked>(1 + (arg % 3) as usize);
            let c2 = c.clone();
            let sender = magpie::spawn(async move {
                for _ in 0..8 {
                    if tx.send(Tracked::new(&c2)).await.is_err() {
                        break;
                    }
                }
            });
            for _ in 0..arg % 5 {
                if rx.recv().await.is_none() {
                    break;
                }
            }
            drop(rx);
            let _ = sender.await;
        }
        // Semaphore acquire under a timeout that may cancel it; permits held across yields.
        6 => {
            let want = 1 + (arg % PERMITS as u64) as u32;
            let r = magpie::time::timeout(Duration::from_micros(arg % 400), sem.acquire_many(want))
                .await;
            if let Ok(Ok(permit)) = r {
                magpie::task::yield_now().await;
                if arg % 3 == 0 {
                    magpie::time::sleep(Duration::from_micros(50)).await;
                }
                drop(permit);
            }
        }
        // TCP: connect, echo some bytes, close (sometimes before reading the echo).
        _ => {
            if let Ok(mut s) = TcpStream::connect(addr).await {
                let msg = arg.to_le_bytes();
                if s.write_all(&msg).await.is_ok() && arg % 4 != 0 {
                    let mut back = [0u8; 8];
                    if s.read_exact(&mut back).await.is_ok() {
                        assert_eq!(back, msg, "echo corrupted");
                    }
                }
            }
        }
    }
    drop(t);
    kind
}

fn build(rng: &mut Rng) -> Runtime {
    let mut b = if rng.chance(70) {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(1 + rng.below(3) as usize);
        b
    } else {
        Builder::new_current_thread()
    };
    b.enable_all().build().unwrap()
}

fn round(seed: u64) {
    let fds_before = open_fds();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let c = Arc::new(Counters::default());
    let sem = Arc::new(Semaphore::new(PERMITS));
    let wakers = Arc::new(Wakers::default());
    let rt = build(&mut rng);
    let ops = 50 + rng.below(150) as usize;
    // Shut down after this many ops are spawned (sometimes only after all finished).
    let shutdown_at = if rng.chance(50) {
        rng.below(ops as u64) as usize
    } else {
        usize::MAX
    };

    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().unwrap();
    rt.spawn(echo_server(listener, c.clone()));

    let mut handles: Vec<(u64, JoinHandle<u64>)> = Vec::new();
    let mut spawned = 0;
    for i in 0..ops {
        if i == shutdown_at {
            break;
        }
        spawned += 1;
        let kind = rng.below(8);
        let arg = rng.next();
        let f = op(
            Tracked::new(&c),
            kind,
            arg,
            c.clone(),
            sem.clone(),
            wakers.clone(),
            addr,
        );
        let h = if rng.chance(20) {
            {
                // Spawned from inside the runtime's context.
                let _g = rt.enter();
                magpie::spawn(f)
            }
        } else {
            rt.spawn(f)
        };
        match rng.below(10) {
            0 => h.abort(),
            1 => drop(h),
            _ => handles.push((kind, h)),
        }
        if rng.chance(5) {
            let d = Duration::from_micros(rng.below(200));
            rt.block_on(async move { magpie::time::sleep(d).await });
        }
        if !handles.is_empty() && rng.chance(3) {
            // An abort of an older handle while it may be running.
            if let Some((_, h)) = handles.get(rng.below(handles.len() as u64) as usize) {
                h.abort();
            }
        }
    }

    if shutdown_at == usize::MAX {
        // Await everything; check each outcome is possible for its kind.
        rt.block_on(async {
            for (kind, h) in handles.drain(..) {
                match h.await {
                    Ok(k) => assert_eq!(k, kind),
                    Err(e) if e.is_panic() => assert!(
                        kind == 2 || kind == 3,
                        "kind {kind} panicked: {:?}",
                        e.into_panic().downcast_ref::<String>()
                    ),
                    Err(e) => assert!(e.is_cancelled()),
                }
            }
        });
    }
    // Random moment: outstanding tasks, sockets, timers and channel waits are all cut here.
    if rng.chance(30) {
        rt.shutdown_timeout(Duration::from_millis(50));
    } else {
        drop(rt);
    }
    drop(handles);
    for t in wakers.threads.lock().unwrap().drain(..) {
        t.join().unwrap();
    }

    let created = c.created.load(SeqCst);
    let dropped = c.dropped.load(SeqCst);
    assert_eq!(
        c.double.load(SeqCst),
        0,
        "seed {seed}: a value dropped twice"
    );
    assert_eq!(
        created, dropped,
        "seed {seed}: created {created}, dropped {dropped}"
    );
    assert!(
        created >= spawned,
        "seed {seed}: {spawned} tasks spawned, {created} values"
    );
    assert_eq!(
        sem.available_permits(),
        PERMITS,
        "seed {seed}: semaphore permits leaked"
    );
    // The runtime's fds (epoll, eventfd, sockets) are closed once it has been dropped.
    let deadline = Instant::now() + Duration::from_secs(5);
    while open_fds() != fds_before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(open_fds(), fds_before, "seed {seed}: fds leaked");
}

#[test]
fn stress_facade_mix() {
    quiet_intended_panics();
    let run_for = match std::env::var("MAGPIE_STRESS").as_deref() {
        Ok("long") => Duration::from_secs(180),
        _ => Duration::from_secs(3),
    };
    let seeds: Box<dyn Iterator<Item = u64>> = match std::env::var("MAGPIE_STRESS_SEED") {
        Ok(s) => Box::new(std::iter::once(
            s.parse().expect("MAGPIE_STRESS_SEED must be a number"),
        )),
        Err(_) => {
            let base = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            Box::new((0..).map(move |i| base.wrapping_mul(1000).wrapping_add(i)))
        }
    };
    let start = Instant::now();
    let mut rounds = 0;
    for seed in seeds {
        if catch_unwind(AssertUnwindSafe(|| round(seed))).is_err() {
            panic!("stress round failed; replay with MAGPIE_STRESS_SEED={seed}");
        }
        rounds += 1;
        let replaying = std::env::var_os("MAGPIE_STRESS_SEED").is_some();
        if replaying || (rounds >= 12 && start.elapsed() >= run_for) {
            break;
        }
    }
    println!("stress_facade: {rounds} rounds in {:?}", start.elapsed());
}
