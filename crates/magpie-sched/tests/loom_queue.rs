//! Loom models of the run queues: a worker's local ring against thieves, its overflow into
//! the injector, and the stealable LIFO slot.
//!
//! The invariant throughout: every task pushed is handed out exactly once, whoever wins each
//! race (owner pop, steal, overflow, LIFO take).

#![cfg(loom)]

use loom::thread;
use magpie_sched::loom_api::{local, next_id, Injector, LifoSlot, Local, LOCAL_CAPACITY};
use magpie_sched::task::{unowned, Id, JoinHandle, Notified, Schedule, Task};

/// Queue models never run or wake their tasks.
struct NoopScheduler;

impl Schedule for NoopScheduler {
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    fn schedule(&self, _task: Notified<Self>) {
        unreachable!("queue models never wake a task");
    }
}

/// The tasks of one model: their ids (what must come out exactly once) and join handles.
struct Tasks {
    ids: Vec<Id>,
    joins: Vec<JoinHandle<()>>,
}

impl Tasks {
    fn new() -> Tasks {
        Tasks {
            ids: Vec::new(),
            joins: Vec::new(),
        }
    }

    fn make(&mut self) -> Notified<NoopScheduler> {
        let (notified, join) = unowned(async {}, NoopScheduler, next_id());
        self.ids.push(notified.id());
        self.joins.push(join);
        notified
    }

    /// Asserts that `seen` holds every task exactly once.
    fn check(&self, mut seen: Vec<Id>) {
        let mut expected = self.ids.clone();
        expected.sort();
        seen.sort();
        assert_eq!(seen, expected, "a task was lost or handed out twice");
    }
}

fn drain(queue: &mut Local<NoopScheduler>, seen: &mut Vec<Id>) {
    while let Some(task) = queue.pop() {
        seen.push(task.id());
    }
}

fn drain_injector(inject: &Injector<NoopScheduler>, seen: &mut Vec<Id>) {
    while let Some(task) = inject.pop() {
        seen.push(task.id());
    }
}

/// Steals into a fresh queue of the thief's and returns everything it got.
fn steal_all(steal: &magpie_sched::loom_api::Steal<NoopScheduler>) -> Vec<Id> {
    let (_, mut mine) = local();
    let mut seen = Vec::new();
    if let Some(task) = steal.steal_into(&mut mine) {
        seen.push(task.id());
    }
    drain(&mut mine, &mut seen);
    seen
}

/// The last task in the queue: the owner's pop and a steal race for it.
#[test]
fn pop_vs_steal_last_task() {
    loom::model(|| {
        let mut tasks = Tasks::new();
        let (steal, mut queue) = local();
        let inject = Injector::new();
        queue.push_back_or_overflow(tasks.make(), &inject);

        let thief = thread::spawn(move || steal_all(&steal));
        let mut seen = Vec::new();
        drain(&mut queue, &mut seen);
        seen.extend(thief.join().unwrap());
        assert!(inject.is_empty());
        tasks.check(seen);
    });
}

/// The owner pushes into an empty queue while a thief steals: a stolen task must be the
/// one the owner wrote (the slot is published by the tail's release).
#[test]
fn push_vs_steal() {
    loom::model(|| {
        let mut tasks = Tasks::new();
        let (steal, mut queue) = local();
        let inject = Injector::new();
        let (first, second) = (tasks.make(), tasks.make());

        let thief = thread::spawn(move || steal_all(&steal));
        queue.push_back_or_overflow(first, &inject);
        queue.push_back_or_overflow(second, &inject);
        let mut seen = thief.join().unwrap();
        drain(&mut queue, &mut seen);
        assert!(inject.is_empty());
        tasks.check(seen);
    });
}

/// The owner pushes a batch (the tasks that yielded) while a thief steals: the slots are
/// published together by one tail store, so a thief sees all of them written or none.
#[test]
fn push_batch_vs_steal() {
    loom::model(|| {
        let mut tasks = Tasks::new();
        let (steal, mut queue) = local();
        let inject = Injector::new();
        queue.push_back_or_overflow(tasks.make(), &inject);
        let mut batch = vec![tasks.make(), tasks.make()];

        let thief = thread::spawn(move || steal_all(&steal));
        queue.push_back_batch(&mut batch, &inject);
        assert!(batch.is_empty());
        let mut seen = thief.join().unwrap();
        drain(&mut queue, &mut seen);
        assert!(inject.is_empty());
        tasks.check(seen);
    });
}

/// The owner pushes and pops while a thief steals half.
#[test]
fn push_pop_vs_steal() {
    loom::model(|| {
        let mut tasks = Tasks::new();
        let (steal, mut queue) = local();
        let inject = Injector::new();
        for _ in 0..2 {
            queue.push_back_or_overflow(tasks.make(), &inject);
        }
        let late = tasks.make();

        let thief = thread::spawn(move || steal_all(&steal));
        let mut seen = Vec::new();
        queue.push_back_or_overflow(late, &inject);
        if let Some(task) = queue.pop() {
            seen.push(task.id());
        }
        seen.extend(thief.join().unwrap());
        drain(&mut queue, &mut seen);
        drain_injector(&inject, &mut seen);
        tasks.check(seen);
    });
}

/// A worker steals into its own queue while a third worker steals from that same queue:
/// the stolen batch is written past the tail, where the other thief must not read it until
/// it is published.
#[test]
fn steal_into_queue_being_stolen_from() {
    loom::model(|| {
        let mut tasks = Tasks::new();
        let inject = Injector::new();
        let (steal_a, mut queue_a) = local();
        let (steal_b, mut queue_b) = local();
        // Two of A's four are stolen into the empty B: one to run, one written past B's
        // tail and published, where the other thief may take it.
        for _ in 0..4 {
            queue_a.push_back_or_overflow(tasks.make(), &inject);
        }

        let thief = thread::spawn(move || steal_all(&steal_b));
        let mut seen = Vec::new();
        if let Some(task) = steal_a.steal_into(&mut queue_b) {
            seen.push(task.id());
        }
        seen.extend(thief.join().unwrap());
        drain(&mut queue_a, &mut seen);
        drain(&mut queue_b, &mut seen);
        assert!(inject.is_empty());
        tasks.check(seen);
    });
}

/// Two thieves and the owner all take from one queue at once.
#[test]
fn steal_vs_steal() {
    loom::model(|| {
        let mut tasks = Tasks::new();
        let (steal, mut queue) = local();
        let inject = Injector::new();
        for _ in 0..4 {
            queue.push_back_or_overflow(tasks.make(), &inject);
        }

        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                thread::spawn(move || steal_all(&steal))
            })
            .collect();
        let mut seen = Vec::new();
        if let Some(task) = queue.pop() {
            seen.push(task.id());
        }
        for thief in thieves {
            seen.extend(thief.join().unwrap());
        }
        drain(&mut queue, &mut seen);
        assert!(inject.is_empty());
        tasks.check(seen);
    });
}

/// Filling a queue takes more atomic operations than loom's default branch limit allows.
fn model_full_queue(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 20_000;
    builder.check(f);
}

/// A full queue: one more push moves half of it plus the new task to the injector, in one
/// batch, in order.
#[test]
fn overflow_moves_half_to_injector() {
    model_full_queue(|| {
        let mut tasks = Tasks::new();
        let (_steal, mut queue) = local();
        let inject = Injector::new();
        for _ in 0..LOCAL_CAPACITY {
            queue.push_back_or_overflow(tasks.make(), &inject);
        }
        assert_eq!(queue.remaining_slots(), 0);
        assert!(inject.is_empty());
        queue.push_back_or_overflow(tasks.make(), &inject);
        assert_eq!(queue.len(), LOCAL_CAPACITY / 2);
        assert_eq!(inject.len(), LOCAL_CAPACITY / 2 + 1);

        // FIFO: the older half first, then the task that did not fit, then the newer half.
        let mut seen = Vec::new();
        drain_injector(&inject, &mut seen);
        drain(&mut queue, &mut seen);
        let mut expected = tasks.ids[..LOCAL_CAPACITY / 2].to_vec();
        expected.push(tasks.ids[LOCAL_CAPACITY]);
        expected.extend_from_slice(&tasks.ids[LOCAL_CAPACITY / 2..LOCAL_CAPACITY]);
        assert_eq!(seen, expected);
    });
}

/// A batch larger than the room left: what fits is published at once, the rest overflows
/// half the queue into the injector, all while a thief steals. Nothing is lost.
#[test]
fn push_batch_overflow_vs_steal() {
    model_full_queue(|| {
        let mut tasks = Tasks::new();
        let (steal, mut queue) = local();
        let inject = Injector::new();
        for _ in 0..LOCAL_CAPACITY - 1 {
            queue.push_back_or_overflow(tasks.make(), &inject);
        }
        let mut batch = vec![tasks.make(), tasks.make()];

        let thief = thread::spawn(move || steal_all(&steal));
        queue.push_back_batch(&mut batch, &inject);
        let mut seen = thief.join().unwrap();
        drain(&mut queue, &mut seen);
        drain_injector(&inject, &mut seen);
        tasks.check(seen);
    });
}

/// A full queue overflows while a thief steals from it.
#[test]
fn overflow_vs_steal() {
    model_full_queue(|| {
        let mut tasks = Tasks::new();
        let (steal, mut queue) = local();
        let inject = Injector::new();
        for _ in 0..LOCAL_CAPACITY {
            queue.push_back_or_overflow(tasks.make(), &inject);
        }
        let late = tasks.make();

        let thief = thread::spawn(move || steal_all(&steal));
        queue.push_back_or_overflow(late, &inject);
        let mut seen = thief.join().unwrap();
        drain(&mut queue, &mut seen);
        drain_injector(&inject, &mut seen);
        tasks.check(seen);
    });
}

/// A push into the injector races its closing: whichever runs second sees the other, so
/// nothing is left queued after both (a queued task would keep its scheduler alive).
#[test]
fn inject_push_vs_close() {
    loom::model(|| {
        let mut tasks = Tasks::new();
        let inject = loom::sync::Arc::new(Injector::new());
        let task = tasks.make();

        let pusher = {
            let inject = inject.clone();
            thread::spawn(move || inject.push(task))
        };
        assert!(inject.close());
        pusher.join().unwrap();
        assert!(
            inject.pop().is_none(),
            "a task lingers in the closed injector"
        );
        assert!(inject.is_empty());
    });
}

/// The owner pushes into (displacing) and takes from its LIFO slot while an idle worker
/// takes a stranded task from it.
#[test]
fn lifo_owner_vs_thief() {
    loom::model(|| {
        let mut tasks = Tasks::new();
        let slot = loom::sync::Arc::new(LifoSlot::new());
        assert!(slot.push(tasks.make()).is_none());
        let second = tasks.make();

        let thief = {
            let slot = slot.clone();
            thread::spawn(move || slot.take().map(|t| t.id()))
        };
        let mut seen = Vec::new();
        if let Some(displaced) = slot.push(second) {
            seen.push(displaced.id());
        }
        if let Some(task) = slot.take() {
            seen.push(task.id());
        }
        seen.extend(thief.join().unwrap());
        seen.extend(slot.take().map(|t| t.id()));
        assert!(!slot.is_occupied());
        tasks.check(seen);
    });
}
