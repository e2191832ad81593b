//! Loom: `JoinSet`'s wake-up protocol (its `ReadySet`) never loses or doubles a result.
//!
//! Child tasks are loom threads completing mock join handles: a handle is an output slot
//! and the waker it was last polled with, behind one lock, as a `JoinHandle` is to its
//! task (registering a waker and completing are ordered against each other). The parent
//! joins on loom's `block_on`, which parks until woken, so a lost wake-up shows up as a
//! deadlock. Loom's leak check fails a model that leaks the set's shared state or an
//! entry's waker; the parent's wakers carry a loom `Arc` token so a leaked one fails too.

#![cfg(loom)]

use std::future::poll_fn;
use std::task::{Context, Poll, Wake, Waker};

use loom::future::block_on;
use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;
use magpie::__loom::ReadySet;

/// A child task as its join handle sees it.
#[derive(Default)]
struct Task {
    state: Mutex<TaskState>,
}

#[derive(Default)]
struct TaskState {
    output: Option<u32>,
    waker: Option<Waker>,
}

impl Task {
    /// The child finishing: store the output, then wake whoever polled the handle.
    fn complete(&self, value: u32) {
        let waker = {
            let mut state = self.state.lock().unwrap();
            state.output = Some(value);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The waker the handle was last polled with.
    fn waker(&self) -> Waker {
        let waker = self.state.lock().unwrap().waker.clone();
        waker.expect("handle never polled")
    }
}

/// The mock `JoinHandle`.
struct Handle(Arc<Task>);

fn poll_handle(handle: &mut Handle, cx: &mut Context<'_>, _first: bool) -> Poll<u32> {
    let mut state = handle.0.state.lock().unwrap();
    match state.output.take() {
        Some(v) => Poll::Ready(v),
        None => {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// A parent waker outside `block_on`: records a wake, and leaks visibly (its token).
struct Flag {
    woken: AtomicBool,
    _token: Arc<()>,
}

impl Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.woken.store(true, SeqCst);
    }
}

fn flag_waker() -> Waker {
    Waker::from(std::sync::Arc::new(Flag {
        woken: AtomicBool::new(false),
        _token: Arc::new(()),
    }))
}

/// A set of `n` fresh tasks, and the tasks.
fn set_of(n: usize) -> (ReadySet<Handle>, Vec<Arc<Task>>) {
    let mut set = ReadySet::new();
    let tasks: Vec<Arc<Task>> = (0..n).map(|_| Arc::new(Task::default())).collect();
    tasks.iter().for_each(|t| set.insert(Handle(t.clone())));
    (set, tasks)
}

/// Polls every fresh entry once (as the first `join_next` does), handing each handle its
/// entry's waker; nothing has finished yet.
fn register_all(set: &mut ReadySet<Handle>) {
    let waker = flag_waker();
    let poll = set.poll_next(&mut Context::from_waker(&waker), poll_handle);
    assert!(poll.is_pending());
}

/// `join_next` on `block_on`.
fn join_next(set: &mut ReadySet<Handle>) -> Option<u32> {
    block_on(poll_fn(|cx| set.poll_next(cx, poll_handle))).map(|(_, v)| v)
}

#[test]
fn completion_races_the_parent_registering() {
    loom::model(|| {
        let (mut set, tasks) = set_of(1);
        let task = tasks[0].clone();
        // The child may finish before the handle is first polled, while the parent
        // registers its waker, or after it went to sleep.
        let child = thread::spawn(move || task.complete(7));
        assert_eq!(join_next(&mut set), Some(7));
        assert_eq!(join_next(&mut set), None);
        child.join().unwrap();
    });
}

#[test]
fn two_children_finishing_at_once_are_both_delivered_once() {
    loom::model(|| {
        let (mut set, tasks) = set_of(2);
        register_all(&mut set);
        let children: Vec<_> = tasks
            .iter()
            .zip([1, 2])
            .map(|(task, v)| {
                let task = task.clone();
                thread::spawn(move || task.complete(v))
            })
            .collect();
        let mut got = [join_next(&mut set), join_next(&mut set)];
        got.sort();
        assert_eq!(got, [Some(1), Some(2)]);
        assert_eq!(join_next(&mut set), None);
        children.into_iter().for_each(|c| c.join().unwrap());
    });
}

#[test]
fn concurrent_wakes_of_one_entry_queue_it_once() {
    loom::model(|| {
        let (mut set, tasks) = set_of(1);
        register_all(&mut set);
        // A wake announcing nothing (spurious, or a duplicate) races the completion's.
        let waker = tasks[0].waker();
        let spurious = thread::spawn(move || waker.wake());
        let finisher = {
            let task = tasks[0].clone();
            thread::spawn(move || task.complete(3))
        };
        spurious.join().unwrap();
        finisher.join().unwrap();
        assert_eq!(set.ready_keys(), [0], "one entry, queued once");
        assert_eq!(join_next(&mut set), Some(3));
        assert_eq!(join_next(&mut set), None);
    });
}

#[test]
fn a_wake_after_the_entry_was_polled_is_kept() {
    loom::model(|| {
        let (mut set, tasks) = set_of(1);
        register_all(&mut set);
        let task = tasks[0].clone();
        // The spurious wake makes the parent poll the still-pending handle; the
        // completion, before, during or after that poll, must still reach it.
        let child = thread::spawn(move || {
            task.waker().wake();
            task.complete(5);
        });
        assert_eq!(join_next(&mut set), Some(5));
        assert_eq!(join_next(&mut set), None);
        child.join().unwrap();
    });
}

#[test]
fn wakes_after_the_set_dropped_its_entries() {
    // One child: with two, loom at preemption bound 2 did not finish in 15 minutes.
    loom::model(|| {
        let (mut set, tasks) = set_of(1);
        register_all(&mut set);
        let task = tasks[0].clone();
        let child = thread::spawn(move || task.complete(1));
        // `JoinSet`'s drop: the entry's waker lives on in the task and may fire before,
        // during or after it.
        drop(set);
        child.join().unwrap();
        // Loom's leak check: the shared list and the parent's waker are freed by now.
    });
}

#[test]
fn stale_keys_after_a_clear_are_skipped() {
    loom::model(|| {
        let (mut set, tasks) = set_of(1);
        register_all(&mut set);
        let child = {
            let task = tasks[0].clone();
            thread::spawn(move || task.complete(1))
        };
        // `detach_all`, then a new entry: the old entry's wake may land on either side
        // of the clear, and must never be taken for the new one.
        set.clear();
        let fresh = Arc::new(Task::default());
        fresh.complete(9);
        set.insert(Handle(fresh));
        assert_eq!(join_next(&mut set), Some(9));
        assert_eq!(join_next(&mut set), None);
        child.join().unwrap();
    });
}
