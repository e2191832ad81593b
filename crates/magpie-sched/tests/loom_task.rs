//! Loom models of the task state machine: each pair of wake, poll, complete, abort, a yield
//! into the defer list, `JoinHandle` poll/drop, waker clone/drop and owner shutdown, racing
//! on two or three threads against a mock scheduler.
//!
//! The invariants every model checks at its end:
//! * no lost wake-up: a task woken after it registered its waker completes once the queued
//!   notifications are run, and a joiner that saw `Pending` is woken;
//! * the future is dropped exactly once, every output made is dropped exactly once;
//! * the task's cell is freed exactly once (each cell owns one `Mock`, whose drop counts);
//!   a leaked cell also leaks the loom `Arc`s it holds, which loom reports.

#![cfg(loom)]

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;

use magpie_sched::loom_api::{next_id, OwnedTasks};
use magpie_sched::task::{unowned, JoinError, JoinHandle, Notified, Schedule, Task};

/// What the mock scheduler shares with its tasks and the model.
struct Shared {
    /// Notifications waiting to be run.
    queue: Mutex<VecDeque<Notified<Mock>>>,
    owned: OwnedTasks<Mock>,
    /// Task cells freed.
    freed: AtomicUsize,
}

/// The scheduler half of a task: one per task cell, so its drop counts frees.
struct Mock(Arc<Shared>);

impl Drop for Mock {
    fn drop(&mut self) {
        self.0.freed.fetch_add(1, SeqCst);
    }
}

impl Schedule for Mock {
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.0.owned.remove(task)
    }

    fn schedule(&self, task: Notified<Self>) {
        self.0.queue.lock().unwrap().push_back(task);
    }
}

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared {
            queue: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(1),
            freed: AtomicUsize::new(0),
        })
    }

    /// Runs queued notifications until the queue is empty.
    fn run_queued(&self) {
        loop {
            let next = self.queue.lock().unwrap().pop_front();
            match next {
                Some(task) => task.run(),
                None => return,
            }
        }
    }
}

fn mock(shared: &Arc<Shared>) -> Mock {
    Mock(shared.clone())
}

/// Counts drops of futures and outputs.
#[derive(Default)]
struct Counters {
    future_drops: AtomicUsize,
    outputs_made: AtomicUsize,
    output_drops: AtomicUsize,
}

struct Output(Arc<Counters>);

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Output")
    }
}

impl Output {
    fn new(counters: &Arc<Counters>) -> Output {
        counters.outputs_made.fetch_add(1, SeqCst);
        Output(counters.clone())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.0.output_drops.fetch_add(1, SeqCst);
    }
}

/// A condition a test future waits for, with the waker of whoever waits.
struct Gate {
    open: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl Gate {
    fn new(open: bool) -> Arc<Gate> {
        Arc::new(Gate {
            open: AtomicBool::new(open),
            waker: Mutex::new(None),
        })
    }

    /// Opens the gate and wakes the waiter (by value, or by reference then dropping it).
    fn open(&self, by_ref: bool) {
        self.open.store(true, SeqCst);
        let waker = self.waker.lock().unwrap().take();
        if let Some(waker) = waker {
            if by_ref {
                waker.wake_by_ref();
            } else {
                waker.wake();
            }
        }
    }

    fn waker(&self) -> Option<Waker> {
        self.waker.lock().unwrap().clone()
    }
}

/// Registers its waker with the gate, then completes if the gate is open. With
/// `yield_first`, its first poll wakes itself and returns `Pending`, and its second
/// completes whatever the gate says.
struct TestFuture {
    gate: Arc<Gate>,
    counters: Arc<Counters>,
    yield_first: bool,
    polls: usize,
}

impl TestFuture {
    fn new(gate: &Arc<Gate>, counters: &Arc<Counters>, yield_first: bool) -> TestFuture {
        TestFuture {
            gate: gate.clone(),
            counters: counters.clone(),
            yield_first,
            polls: 0,
        }
    }
}

impl Future for TestFuture {
    type Output = Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        self.polls += 1;
        *self.gate.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.gate.open.load(SeqCst) || (self.yield_first && self.polls > 1) {
            return Poll::Ready(Output::new(&self.counters));
        }
        if self.yield_first {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Drop for TestFuture {
    fn drop(&mut self) {
        self.counters.future_drops.fetch_add(1, SeqCst);
    }
}

/// A joiner's waker that records being woken.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

fn flag_waker() -> (std::sync::Arc<Flag>, Waker) {
    let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
    (flag.clone(), Waker::from(flag))
}

fn try_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

/// Joins a task that must be finished by now.
fn expect_finished<T>(join: &mut JoinHandle<T>) -> Result<T, JoinError> {
    assert!(join.is_finished(), "task not finished: a wake-up was lost");
    match try_join(join, Waker::noop()) {
        Poll::Ready(res) => res,
        Poll::Pending => panic!("finished task's JoinHandle is pending"),
    }
}

/// The end-of-model checks: nothing queued, no leak, no double drop or free.
fn assert_clean(shared: &Shared, counters: &Counters, tasks: usize) {
    assert!(
        shared.queue.lock().unwrap().is_empty(),
        "notification left queued"
    );
    assert!(shared.owned.is_empty(), "task left in the owned list");
    assert_eq!(
        counters.future_drops.load(SeqCst),
        tasks,
        "a future was not dropped exactly once"
    );
    assert_eq!(
        counters.output_drops.load(SeqCst),
        counters.outputs_made.load(SeqCst),
        "an output was not dropped exactly once"
    );
    assert_eq!(
        shared.freed.load(SeqCst),
        tasks,
        "a task cell was leaked or freed twice"
    );
}

/// A wake from another thread races the poll that registered the waker: the task must end
/// up complete.
fn wake_vs_poll(by_ref: bool) {
    loom::model(move || {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = TestFuture::new(&gate, &counters, false);
        let (notified, mut join) = unowned(future, mock(&shared), next_id());

        let waker = {
            let gate = gate.clone();
            thread::spawn(move || gate.open(by_ref))
        };
        notified.run();
        waker.join().unwrap();
        shared.run_queued();

        assert!(expect_finished(&mut join).is_ok());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

#[test]
fn wake_by_val_vs_poll() {
    wake_vs_poll(false);
}

#[test]
fn wake_by_ref_vs_poll() {
    wake_vs_poll(true);
}

/// A wake lands before, during or after the poll that completes the task (which first
/// yielded once, so the wake meets each of idle-notified, running and complete).
#[test]
fn wake_vs_complete() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = TestFuture::new(&gate, &counters, true);
        let (notified, mut join) = unowned(future, mock(&shared), next_id());

        let waker = {
            let gate = gate.clone();
            thread::spawn(move || gate.open(false))
        };
        notified.run();
        shared.run_queued();
        waker.join().unwrap();
        shared.run_queued();

        assert!(expect_finished(&mut join).is_ok());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// An abort races a poll of a task that never completes on its own: it must end cancelled.
#[test]
fn abort_vs_poll() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = TestFuture::new(&gate, &counters, false);
        let (notified, mut join) = unowned(future, mock(&shared), next_id());

        let abort = join.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        notified.run();
        aborter.join().unwrap();
        shared.run_queued();

        let err = expect_finished(&mut join).expect_err("aborted task completed");
        assert!(err.is_cancelled());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// An abort races the poll that completes the task: either outcome is fine, but the output
/// (if made) is dropped once and the future once.
#[test]
fn abort_vs_complete() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(true);
        let future = TestFuture::new(&gate, &counters, false);
        let (notified, mut join) = unowned(future, mock(&shared), next_id());

        let aborter = {
            let abort = join.abort_handle();
            thread::spawn(move || {
                abort.abort();
                abort.is_finished()
            })
        };
        notified.run();
        aborter.join().unwrap();
        shared.run_queued();

        match expect_finished(&mut join) {
            Ok(output) => drop(output),
            Err(err) => {
                assert!(err.is_cancelled());
                assert_eq!(counters.outputs_made.load(SeqCst), 0);
            }
        }
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// Dropping the `JoinHandle` of a fresh owned task (its fast path) races the task's only
/// poll, which completes it: the output is dropped exactly once, by one side.
#[test]
fn join_handle_drop_vs_complete() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(true);
        let future = TestFuture::new(&gate, &counters, false);
        let (join, notified) = shared.owned.bind(future, mock(&shared));
        let notified = notified.expect("list open");

        let dropper = thread::spawn(move || drop(join));
        notified.run();
        dropper.join().unwrap();

        assert_eq!(counters.outputs_made.load(SeqCst), 1);
        // The gate's waker still holds the task: the output must not wait for it.
        assert_eq!(
            counters.output_drops.load(SeqCst),
            1,
            "output outlived its JoinHandle"
        );
        drop(gate);
        assert_clean(&shared, &counters, 1);
    });
}

/// As above, with a join waker registered first (the slow path, which must take the waker
/// field back or leave it to the completing poll).
#[test]
fn join_handle_drop_with_waker_vs_complete() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(true);
        let future = TestFuture::new(&gate, &counters, false);
        let (mut join, notified) = shared.owned.bind(future, mock(&shared));
        let notified = notified.expect("list open");
        let (_flag, waker) = flag_waker();
        assert!(try_join(&mut join, &waker).is_pending());

        let dropper = thread::spawn(move || drop(join));
        notified.run();
        dropper.join().unwrap();

        assert_eq!(counters.outputs_made.load(SeqCst), 1);
        // The gate's waker still holds the task: the output must not wait for it.
        assert_eq!(
            counters.output_drops.load(SeqCst),
            1,
            "output outlived its JoinHandle"
        );
        drop(gate);
        assert_clean(&shared, &counters, 1);
    });
}

/// A joiner replaces its waker (a different one) while the task completes: if its poll saw
/// `Pending`, the new waker must be woken.
#[test]
fn join_poll_vs_complete() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(true);
        let future = TestFuture::new(&gate, &counters, false);
        let (notified, mut join) = unowned(future, mock(&shared), next_id());
        let (_first, first_waker) = flag_waker();
        assert!(try_join(&mut join, &first_waker).is_pending());

        let joiner = thread::spawn(move || {
            let (flag, waker) = flag_waker();
            let res = try_join(&mut join, &waker);
            (join, flag, res)
        });
        notified.run();
        let (mut join, flag, res) = joiner.join().unwrap();

        match res {
            Poll::Ready(res) => drop(res.expect("task completed")),
            Poll::Pending => {
                assert!(flag.0.load(SeqCst), "joiner not woken: wake-up lost");
                drop(expect_finished(&mut join).expect("task completed"));
            }
        }
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// Waker clones are woken (by value and by reference) and dropped on two threads while the
/// task completes and its `JoinHandle` is dropped: the last reference, whoever holds it,
/// frees the cell once.
#[test]
fn waker_clone_drop_vs_complete() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = TestFuture::new(&gate, &counters, false);
        let (notified, join) = unowned(future, mock(&shared), next_id());
        notified.run();
        let clone = gate.waker().expect("waker registered");

        let by_val = {
            let gate = gate.clone();
            thread::spawn(move || gate.open(false))
        };
        let by_ref = thread::spawn(move || {
            let again = clone.clone();
            drop(clone);
            again.wake_by_ref();
        });
        drop(join);
        shared.run_queued();
        by_val.join().unwrap();
        by_ref.join().unwrap();
        shared.run_queued();

        drop(gate);
        assert_eq!(counters.outputs_made.load(SeqCst), 1);
        assert_clean(&shared, &counters, 1);
    });
}

/// The owner shuts its list down while another thread wakes an idle task: the task is
/// cancelled, its future dropped once, and the stray notification runs harmlessly.
#[test]
fn shutdown_vs_wake() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = TestFuture::new(&gate, &counters, false);
        let (mut join, notified) = shared.owned.bind(future, mock(&shared));
        notified.expect("list open").run();

        let waker = {
            let gate = gate.clone();
            thread::spawn(move || gate.open(false))
        };
        shared.owned.close_and_shutdown_all(0);
        waker.join().unwrap();
        shared.run_queued();

        let err = expect_finished(&mut join).expect_err("shut-down task completed");
        assert!(err.is_cancelled());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// The owner shuts its list down while a worker polls the task: whichever holds the task
/// cancels it, once.
#[test]
fn shutdown_vs_poll() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = TestFuture::new(&gate, &counters, false);
        let (mut join, notified) = shared.owned.bind(future, mock(&shared));
        let notified = notified.expect("list open");

        let worker = thread::spawn(move || notified.run());
        shared.owned.close_and_shutdown_all(0);
        worker.join().unwrap();
        shared.run_queued();

        let err = expect_finished(&mut join).expect_err("shut-down task completed");
        assert!(err.is_cancelled());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// A worker completes one task (releasing it from the list) while the owner shuts the list
/// down, popping tasks around it: the list's links stay sound, every task ends exactly
/// once, and the completed one keeps its output unless shutdown got to it first.
#[test]
fn complete_vs_shutdown() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let (ready, idle) = (Gate::new(true), Gate::new(false));
        let (mut done, notified) = shared
            .owned
            .bind(TestFuture::new(&ready, &counters, false), mock(&shared));
        let notified = notified.expect("list open");
        let (mut pending, first) = shared
            .owned
            .bind(TestFuture::new(&idle, &counters, false), mock(&shared));
        first.expect("list open").run();
        assert_eq!(shared.owned.len(), 2);

        let worker = thread::spawn(move || notified.run());
        shared.owned.close_and_shutdown_all(0);
        worker.join().unwrap();
        shared.run_queued();

        match expect_finished(&mut done) {
            Ok(output) => drop(output),
            Err(err) => assert!(err.is_cancelled()),
        }
        let err = expect_finished(&mut pending).expect_err("idle task completed");
        assert!(err.is_cancelled());
        drop((done, pending, ready, idle));
        assert_clean(&shared, &counters, 2);
    });
}

/// A spawn races the list's closing: the task is either refused (cancelled at once) or
/// added in time to be shut down; never left behind in a closed list.
#[test]
fn bind_vs_close() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);

        let spawner = {
            let shared = shared.clone();
            let future = TestFuture::new(&gate, &counters, false);
            thread::spawn(move || {
                let (join, notified) = shared.owned.bind(future, mock(&shared));
                if let Some(notified) = notified {
                    shared.queue.lock().unwrap().push_back(notified);
                }
                join
            })
        };
        shared.owned.close_and_shutdown_all(0);
        let mut join = spawner.join().unwrap();
        shared.run_queued();

        let err = expect_finished(&mut join).expect_err("task ran after close");
        assert!(err.is_cancelled());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// Its first poll yields the way `yield_now` does: it defers its own waker (and leaves a
/// clone with the gate for other threads), so the harness parks the task in the defer list
/// as a notification. Later polls complete once the gate is open.
struct DeferFuture {
    gate: Arc<Gate>,
    counters: Arc<Counters>,
    polls: usize,
}

impl DeferFuture {
    fn new(gate: &Arc<Gate>, counters: &Arc<Counters>) -> DeferFuture {
        DeferFuture {
            gate: gate.clone(),
            counters: counters.clone(),
            polls: 0,
        }
    }
}

impl Future for DeferFuture {
    type Output = Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        self.polls += 1;
        *self.gate.waker.lock().unwrap() = Some(cx.waker().clone());
        if self.polls == 1 {
            magpie_sched::coop::defer(cx.waker());
            return Poll::Pending;
        }
        if self.gate.open.load(SeqCst) {
            return Poll::Ready(Output::new(&self.counters));
        }
        Poll::Pending
    }
}

impl Drop for DeferFuture {
    fn drop(&mut self) {
        self.counters.future_drops.fetch_add(1, SeqCst);
    }
}

/// A task yields into the defer list while another thread wakes it (during the poll, or
/// while it sits deferred): one notification survives, and the task completes.
#[test]
fn yield_to_defer_vs_wake() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = DeferFuture::new(&gate, &counters);
        let (notified, mut join) = unowned(future, mock(&shared), next_id());

        let waker = {
            let gate = gate.clone();
            thread::spawn(move || gate.open(false))
        };
        magpie_sched::coop::with_defer(|| {
            notified.run();
            magpie_sched::coop::wake_deferred();
            shared.run_queued();
        });
        waker.join().unwrap();
        shared.run_queued();

        assert!(expect_finished(&mut join).is_ok());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// An abort races a task's yield into the defer list: the deferred notification cancels it
/// (or finds it already cancelled), once.
#[test]
fn yield_to_defer_vs_abort() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = DeferFuture::new(&gate, &counters);
        let (notified, mut join) = unowned(future, mock(&shared), next_id());

        let abort = join.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        // Leaving the scope releases whatever is still deferred.
        magpie_sched::coop::with_defer(|| notified.run());
        aborter.join().unwrap();
        shared.run_queued();

        let err = expect_finished(&mut join).expect_err("aborted task completed");
        assert!(err.is_cancelled());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}

/// The owner shuts its list down while a task yields into the defer list and is released
/// from it: the task is cancelled once, and its deferred notification runs harmlessly.
#[test]
fn yield_to_defer_vs_shutdown() {
    loom::model(|| {
        let shared = Shared::new();
        let counters = Arc::new(Counters::default());
        let gate = Gate::new(false);
        let future = DeferFuture::new(&gate, &counters);
        let (mut join, notified) = shared.owned.bind(future, mock(&shared));
        let notified = notified.expect("list open");

        let owner = {
            let shared = shared.clone();
            thread::spawn(move || shared.owned.close_and_shutdown_all(0))
        };
        magpie_sched::coop::with_defer(|| {
            notified.run();
            magpie_sched::coop::wake_deferred();
            shared.run_queued();
        });
        owner.join().unwrap();
        shared.run_queued();

        let err = expect_finished(&mut join).expect_err("shut-down task completed");
        assert!(err.is_cancelled());
        drop((join, gate));
        assert_clean(&shared, &counters, 1);
    });
}
