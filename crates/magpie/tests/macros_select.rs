//! `select!`: tokio's grammar and semantics — random fairness, `biased;`, preconditions,
//! refutable patterns, `else`, the all-disabled panic, and dropping of losing branches.

use std::future::{pending, ready, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::channel::{mpsc, oneshot};
use futures::executor::block_on;
use futures::StreamExt;

/// Counts its drops.
struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Never completes; counts its polls and its drops.
struct Watched {
    polls: Arc<AtomicUsize>,
    _drops: DropCounter,
}
impl Future for Watched {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        Poll::Pending
    }
}

/// Pending (waking itself) once, then ready with the value.
struct YieldOnce<T>(Option<T>, bool);
impl<T: Unpin> Future for YieldOnce<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if !self.1 {
            self.1 = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.0.take().expect("polled after completion"))
    }
}
fn yield_once<T>(value: T) -> YieldOnce<T> {
    YieldOnce(Some(value), false)
}

#[test]
fn first_ready_branch_wins() {
    let out = block_on(async {
        magpie::select! {
            v = pending::<u32>() => v,
            v = yield_once(2u32) => v * 10,
        }
    });
    assert_eq!(out, 20);
}

#[test]
fn random_order_lets_every_branch_win() {
    let mut wins = [0u32; 3];
    block_on(async {
        for _ in 0..3000 {
            let i = magpie::select! {
                _ = ready(()) => 0,
                _ = ready(()) => 1,
                _ = ready(()) => 2,
            };
            wins[i] += 1;
        }
    });
    // Each branch expects 1000 wins; a fair random start is nowhere near these bounds.
    assert!(wins.iter().all(|&w| w > 500 && w < 1500), "{wins:?}");
}

#[test]
fn biased_polls_in_the_order_written() {
    block_on(async {
        for _ in 0..200 {
            let i = magpie::select! {
                biased;
                _ = ready(()) => 0,
                _ = ready(()) => 1,
            };
            assert_eq!(i, 0);
        }
        // A pending first branch lets the second win.
        let i = magpie::select! {
            biased;
            _ = pending::<()>() => 0,
            _ = ready(()) => 1,
        };
        assert_eq!(i, 1);
    });
}

#[test]
fn losing_branches_are_dropped_before_the_handler_runs() {
    let drops = Arc::new(AtomicUsize::new(0));
    let polls = Arc::new(AtomicUsize::new(0));
    let watched = Watched {
        polls: polls.clone(),
        _drops: DropCounter(drops.clone()),
    };
    block_on(async {
        magpie::select! {
            _ = watched => unreachable!(),
            _ = yield_once(()) => {
                assert_eq!(drops.load(Ordering::SeqCst), 1, "loser not dropped yet");
            }
        }
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(polls.load(Ordering::SeqCst) >= 1);
}

#[test]
fn false_precondition_evaluates_but_never_polls_the_future() {
    let drops = Arc::new(AtomicUsize::new(0));
    let polls = Arc::new(AtomicUsize::new(0));
    let mut evaluated = false;
    let out = block_on(async {
        magpie::select! {
            _ = {
                evaluated = true;
                Watched { polls: polls.clone(), _drops: DropCounter(drops.clone()) }
            }, if false => 0,
            v = yield_once(7) => v,
        }
    });
    assert_eq!(out, 7);
    assert!(evaluated);
    assert_eq!(polls.load(Ordering::SeqCst), 0);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn preconditions_are_evaluated_before_the_futures() {
    let order = std::cell::RefCell::new(Vec::new());
    block_on(async {
        magpie::select! {
            _ = { order.borrow_mut().push("future 0"); ready(()) }, if { order.borrow_mut().push("if 0"); true } => {},
            _ = { order.borrow_mut().push("future 1"); ready(()) }, if { order.borrow_mut().push("if 1"); true } => {},
        }
    });
    assert_eq!(*order.borrow(), ["if 0", "if 1", "future 0", "future 1"]);
}

#[test]
fn else_runs_when_every_branch_is_disabled() {
    let out = block_on(async {
        magpie::select! {
            v = ready(1), if false => v,
            v = ready(2), if 1 + 1 == 3 => v,
            else => 99,
        }
    });
    assert_eq!(out, 99);
}

#[test]
#[should_panic(expected = "all branches are disabled and there is no else branch")]
fn all_disabled_without_else_panics() {
    block_on(async {
        magpie::select! {
            Some(v) = ready(None::<u8>) => v,
            v = ready(2), if false => v,
        }
    });
}

#[test]
fn refutable_pattern_mismatch_disables_the_branch() {
    block_on(async {
        let (tx, mut rx) = mpsc::unbounded::<u32>();
        drop(tx);
        // `rx.next()` completes with `None` at once; the branch is disabled and the other
        // branch, which completes later, wins.
        let out = magpie::select! {
            Some(v) = rx.next() => v,
            v = yield_once(5) => v,
        };
        assert_eq!(out, 5);

        // The classic loop: drain a channel, then fall into `else`.
        let (tx, mut rx) = mpsc::unbounded::<u32>();
        for i in 1..=4 {
            tx.unbounded_send(i).unwrap();
        }
        drop(tx);
        let mut sum = 0;
        loop {
            magpie::select! {
                Some(v) = rx.next() => sum += v,
                else => break,
            }
        }
        assert_eq!(sum, 10);
    });
}

#[test]
fn patterns_bind_by_value_with_modes() {
    block_on(async {
        let out = magpie::select! {
            (mut a, ref b) = ready((1, String::from("x"))) => {
                a += 1;
                format!("{a}{b}")
            }
        };
        assert_eq!(out, "2x");
        let out = magpie::select! {
            Ok(mut v) | Err(mut v) = ready(Err::<u8, u8>(3)) => { v *= 2; v }
        };
        assert_eq!(out, 6);
        let out = magpie::select! {
            [first, ..] = ready([4, 5, 6]) => first,
        };
        assert_eq!(out, 4);
    });
}

#[test]
fn borrowed_futures_survive_across_selects() {
    block_on(async {
        let (tx, rx) = oneshot::channel::<u8>();
        let mut rx = rx;
        let mut rounds = 0;
        let mut tx = Some(tx);
        let value = loop {
            magpie::select! {
                v = &mut rx => break v.unwrap(),
                _ = yield_once(()) => {
                    rounds += 1;
                    if rounds == 3 {
                        tx.take().unwrap().send(8).unwrap();
                    }
                }
            }
        };
        assert_eq!(value, 8);
        assert!(rounds >= 3);
    });
}

#[test]
fn handlers_control_the_surrounding_function() {
    async fn early(flag: bool) -> Result<u8, String> {
        for i in 0.. {
            magpie::select! {
                v = ready(i) => {
                    if v < 2 {
                        continue;
                    }
                    if flag {
                        return Ok(v);
                    }
                    Err::<(), _>(format!("stopped at {v}"))?;
                }
            }
        }
        unreachable!()
    }
    assert_eq!(block_on(early(true)), Ok(2));
    assert_eq!(block_on(early(false)), Err("stopped at 2".to_string()));
}

#[test]
fn handlers_may_await_and_nest() {
    let out = block_on(async {
        magpie::select! {
            a = ready(1) => {
                let b = yield_once(2).await;
                magpie::select! {
                    c = ready(a + b) => c,
                    else => 0,
                }
            }
        }
    });
    assert_eq!(out, 3);
}

#[test]
fn branch_syntax_variants() {
    block_on(async {
        let cond = true;
        // Block handlers with and without commas, expression handler last without one.
        let out = magpie::select! {
            biased;
            _ = pending::<()>() => { 0 }
            _ = pending::<()>(), if cond => { 1 },
            v = ready(2), if cond => v
        };
        assert_eq!(out, 2);
        let out = magpie::select! {
            _ = pending::<()>(), if !cond => 0,
            else => 5
        };
        assert_eq!(out, 5);
    });
}

#[test]
fn the_maximum_of_64_branches() {
    let out = block_on(async {
        magpie::select! {
            biased;
            _ = pending::<()>() => 0, _ = pending::<()>() => 1, _ = pending::<()>() => 2,
            _ = pending::<()>() => 3, _ = pending::<()>() => 4, _ = pending::<()>() => 5,
            _ = pending::<()>() => 6, _ = pending::<()>() => 7, _ = pending::<()>() => 8,
            _ = pending::<()>() => 9, _ = pending::<()>() => 10, _ = pending::<()>() => 11,
            _ = pending::<()>() => 12, _ = pending::<()>() => 13, _ = pending::<()>() => 14,
            _ = pending::<()>() => 15, _ = pending::<()>() => 16, _ = pending::<()>() => 17,
            _ = pending::<()>() => 18, _ = pending::<()>() => 19, _ = pending::<()>() => 20,
            _ = pending::<()>() => 21, _ = pending::<()>() => 22, _ = pending::<()>() => 23,
            _ = pending::<()>() => 24, _ = pending::<()>() => 25, _ = pending::<()>() => 26,
            _ = pending::<()>() => 27, _ = pending::<()>() => 28, _ = pending::<()>() => 29,
            _ = pending::<()>() => 30, _ = pending::<()>() => 31, _ = pending::<()>() => 32,
            _ = pending::<()>() => 33, _ = pending::<()>() => 34, _ = pending::<()>() => 35,
            _ = pending::<()>() => 36, _ = pending::<()>() => 37, _ = pending::<()>() => 38,
            _ = pending::<()>() => 39, _ = pending::<()>() => 40, _ = pending::<()>() => 41,
            _ = pending::<()>() => 42, _ = pending::<()>() => 43, _ = pending::<()>() => 44,
            _ = pending::<()>() => 45, _ = pending::<()>() => 46, _ = pending::<()>() => 47,
            _ = pending::<()>() => 48, _ = pending::<()>() => 49, _ = pending::<()>() => 50,
            _ = pending::<()>() => 51, _ = pending::<()>() => 52, _ = pending::<()>() => 53,
            _ = pending::<()>() => 54, _ = pending::<()>() => 55, _ = pending::<()>() => 56,
            _ = pending::<()>() => 57, _ = pending::<()>() => 58, _ = pending::<()>() => 59,
            _ = pending::<()>() => 60, _ = pending::<()>() => 61, _ = pending::<()>() => 62,
            v = ready(63) => v,
        }
    });
    assert_eq!(out, 63);
}

#[test]
fn names_used_inside_the_macro_do_not_clash() {
    block_on(async {
        let cx = 1;
        let __select_disabled = 2;
        let __select_output = 3;
        let out = magpie::select! {
            v = ready(cx + __select_disabled) => v + __select_output,
        };
        assert_eq!(out, 6);
    });
}

#[test]
fn futures_are_dropped_before_the_handler_reuses_their_borrows() {
    block_on(async {
        let (tx, mut rx) = mpsc::unbounded::<u32>();
        tx.unbounded_send(1).unwrap();
        tx.unbounded_send(2).unwrap();
        let out = magpie::select! {
            // `rx.next()` borrows `rx` mutably; the handler may use `rx` again.
            Some(first) = rx.next() => first + rx.next().await.unwrap(),
            else => 0,
        };
        assert_eq!(out, 3);
    });
}

#[test]
fn a_spent_coop_budget_makes_select_yield() {
    use magpie::task::coop::poll_proceed;

    let mut select = Box::pin(async {
        magpie::select! {
            v = ready(1) => v,
        }
    });
    let woken = Arc::new(AtomicUsize::new(0));
    let waker = Arc::new(CountWake(woken.clone())).into();
    let mut cx = Context::from_waker(&waker);
    magpie_sched::coop::budget(|| {
        // Spend the whole budget, as budget-aware resources would.
        while let Poll::Ready(restore) = poll_proceed(&mut cx) {
            restore.made_progress();
        }
        woken.store(0, Ordering::SeqCst);
        assert!(select.as_mut().poll(&mut cx).is_pending());
    });
    assert!(
        woken.load(Ordering::SeqCst) >= 1,
        "a yielding select! must wake its task"
    );
    let out = magpie_sched::coop::budget(|| select.as_mut().poll(&mut cx));
    assert_eq!(out, Poll::Ready(1));
}

/// Counts wake-ups.
struct CountWake(Arc<AtomicUsize>);
impl std::task::Wake for CountWake {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The `select!` future holds the futures, one reference to them and a mask sized to the
/// branch count (tokio's sizes are the bar).
#[test]
#[cfg(target_pointer_width = "64")]
fn select_future_stays_small() {
    let one = async {
        let ready = ready(0i32);
        magpie::select! { _ = ready => {} }
    };
    assert!(
        std::mem::size_of_val(&one) <= 32,
        "{}",
        std::mem::size_of_val(&one)
    );
    let two = async {
        let ready1 = ready(0i32);
        let ready2 = ready(0i32);
        magpie::select! { _ = ready1 => {}, _ = ready2 => {} }
    };
    assert!(
        std::mem::size_of_val(&two) <= 40,
        "{}",
        std::mem::size_of_val(&two)
    );
    let borrowed = async {
        let mut ready1 = ready(0i32);
        let ready2 = ready(0i32);
        magpie::select! { _ = &mut ready1 => {}, _ = ready2 => {} }
    };
    assert!(
        std::mem::size_of_val(&borrowed) <= 48,
        "{}",
        std::mem::size_of_val(&borrowed)
    );
}

#[test]
fn mut_and_ref_mut_patterns() {
    block_on(async {
        let out = magpie::select! {
            Some(mut s) = async { Some(String::from("1")) } => { s.push('2'); s }
        };
        assert_eq!(out, "12");
        let out = magpie::select! {
            Some(ref mut s) = async { Some(String::from("3")) } => { s.push('4'); s.clone() }
        };
        assert_eq!(out, "34");
    });
}

#[deny(warnings)]
mod never_returning_branches {
    use std::future::{pending, ready};

    async fn never() -> ! {
        pending::<()>().await;
        unreachable!()
    }

    pub(super) async fn run() -> u32 {
        magpie::select! {
            _ = never() => 0,
            v = ready(1) => v,
        }
    }
}

#[test]
fn never_returning_branches_compile_without_warnings() {
    assert_eq!(block_on(never_returning_branches::run()), 1);
}

#[test]
fn handlers_may_initialize_outer_variables() {
    block_on(async {
        let (tx1, mut rx1) = oneshot::channel::<i32>();
        let (tx2, mut rx2) = oneshot::channel::<i32>();
        tx1.send(1).unwrap();
        tx2.send(2).unwrap();
        let ran;
        magpie::select! {
            res = &mut rx1 => { assert_eq!(res, Ok(1)); ran = true; },
            res = &mut rx2 => { assert_eq!(res, Ok(2)); ran = true; },
        }
        assert!(ran);
    });
}

#[test]
fn temporaries_in_future_expressions_live_long_enough() {
    block_on(async {
        magpie::select! {
            () = &mut std::future::ready(()) => {},
        }
    });
}

#[test]
fn caller_names_do_not_clash_with_internal_items() {
    const COUNT: u32 = 2;
    #[allow(non_camel_case_types, dead_code)]
    enum __MagpieSelectOutput {
        Mine,
    }
    let out = block_on(async {
        magpie::select! {
            v = ready(COUNT) => v,
        }
    });
    assert_eq!(out, 2);
    let (a, b) = block_on(async { magpie::join!(async { COUNT }, ready(COUNT + 1)) });
    assert_eq!((a, b), (2, 3));
}

#[test]
fn else_alone_is_the_value() {
    // No branch to poll: `select!` is its `else` (tokio accepts this, with or without
    // `biased;`).
    let plain: u8 = magpie::select! {
        else => 1,
    };
    let biased: u8 = magpie::select! {
        biased;
        else => 2
    };
    assert_eq!((plain, biased), (1, 2));
}
