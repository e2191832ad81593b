//! A minimal executor over `Timer<Parker>`, standing in for the runtime in these tests:
//! it polls ready tasks with a fresh coop budget, polls the driver without sleeping between
//! rounds, and parks on the driver when nothing is ready.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use magpie_sched::coop;
use magpie_sched::park::{Park, Parker, Unpark};
use magpie_timer::{Builder, Timer};

pub type Driver = Timer<Parker>;

pub fn real() -> Driver {
    Builder::new().shards(2).build(Parker::new())
}

pub fn paused() -> Driver {
    Builder::new()
        .shards(2)
        .start_paused(true)
        .build(Parker::new())
}

struct Flag {
    woken: AtomicBool,
    unpark: Box<dyn Unpark>,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.unpark.unpark();
    }
}

/// Runs `fut` to completion on the current thread, with `driver`'s handle entered.
pub fn block_on<F: Future>(driver: &mut Driver, fut: F) -> F::Output {
    let handle = driver.handle();
    let _guard = handle.enter();
    let flag = Arc::new(Flag {
        woken: AtomicBool::new(true),
        unpark: Box::new(driver.unpark()),
    });
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if flag.woken.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(out) = coop::budget(|| fut.as_mut().poll(&mut cx)) {
                return out;
            }
            driver.park_timeout(Duration::ZERO);
        } else {
            driver.park();
        }
    }
}

type Task = Pin<Box<dyn Future<Output = ()>>>;

struct TaskWaker {
    id: usize,
    queue: Arc<Mutex<VecDeque<usize>>>,
    unpark: Arc<dyn Unpark>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.lock().unwrap().push_back(self.id);
        self.unpark.unpark();
    }
}

/// Runs many tasks to completion on the current thread, parking on `driver` when idle.
pub fn run_all(driver: &mut Driver, tasks: Vec<Task>) {
    let handle = driver.handle();
    let _guard = handle.enter();
    let unpark: Arc<dyn Unpark> = Arc::new(driver.unpark());
    let queue = Arc::new(Mutex::new((0..tasks.len()).collect::<VecDeque<_>>()));
    let mut live = tasks.len();
    let mut tasks: Vec<Option<(Task, Waker)>> = tasks
        .into_iter()
        .enumerate()
        .map(|(id, t)| {
            let waker = Waker::from(Arc::new(TaskWaker {
                id,
                queue: queue.clone(),
                unpark: unpark.clone(),
            }));
            Some((t, waker))
        })
        .collect();
    while live > 0 {
        let ready: Vec<usize> = queue.lock().unwrap().drain(..).collect();
        if ready.is_empty() {
            driver.park();
            continue;
        }
        for id in ready {
            let Some((task, waker)) = tasks[id].as_mut() else {
                continue;
            };
            let mut cx = Context::from_waker(waker);
            if coop::budget(|| task.as_mut().poll(&mut cx)).is_ready() {
                tasks[id] = None;
                live -= 1;
            }
        }
        driver.park_timeout(Duration::ZERO);
    }
}

/// Polls `fut` once with a no-op waker.
pub fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// A small deterministic generator, so failures replay.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
