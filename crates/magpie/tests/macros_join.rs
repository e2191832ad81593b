//! `join!`: outputs in order, concurrent polling, rotating start index, `biased;`.

use std::cell::RefCell;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::channel::oneshot;
use futures::executor::block_on;

/// Records its id each time it is polled; returns `Pending` (waking itself) until it has
/// been polled `polls` times.
struct Recorder {
    id: usize,
    polls: usize,
    log: Rc<RefCell<Vec<usize>>>,
}

impl Future for Recorder {
    type Output = usize;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        self.log.borrow_mut().push(self.id);
        self.polls -= 1;
        if self.polls == 0 {
            Poll::Ready(self.id)
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn recorder(id: usize, polls: usize, log: &Rc<RefCell<Vec<usize>>>) -> Recorder {
    Recorder {
        id,
        polls,
        log: log.clone(),
    }
}

#[test]
fn outputs_come_back_in_argument_order() {
    let (a, b, c) = block_on(async { magpie::join!(async { 1 }, async { "two" }, async { 3.0 }) });
    assert_eq!((a, b, c), (1, "two", 3.0));
}

#[test]
fn single_and_empty_joins() {
    block_on(async {
        let (x,) = magpie::join!(async { 5 });
        assert_eq!(x, 5);
        let () = magpie::join!();
        let (y,) = magpie::join!(async { 6 },);
        assert_eq!(y, 6);
    });
}

#[test]
fn futures_run_concurrently() {
    block_on(async {
        let (tx, rx) = oneshot::channel::<u32>();
        // The first future waits for the second: only concurrent polling finishes this.
        let (got, ()) = magpie::join!(async { rx.await.unwrap() + 1 }, async {
            tx.send(41).unwrap();
        });
        assert_eq!(got, 42);
    });
}

#[test]
fn start_index_rotates_between_polls() {
    let log = Rc::new(RefCell::new(Vec::new()));
    block_on(async {
        magpie::join!(
            recorder(0, 3, &log),
            recorder(1, 3, &log),
            recorder(2, 3, &log)
        )
    });
    assert_eq!(*log.borrow(), [0, 1, 2, 1, 2, 0, 2, 0, 1]);
}

#[test]
fn biased_always_starts_with_the_first() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let out = block_on(async {
        magpie::join!(biased; recorder(0, 3, &log), recorder(1, 2, &log), recorder(2, 3, &log))
    });
    assert_eq!(out, (0, 1, 2));
    // Completed futures are not polled again.
    assert_eq!(*log.borrow(), [0, 1, 2, 0, 1, 2, 0, 2]);
}

#[test]
fn accepts_into_future_and_references() {
    struct Later(u8);
    impl IntoFuture for Later {
        type Output = u8;
        type IntoFuture = std::future::Ready<u8>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(self.0)
        }
    }
    block_on(async {
        let mut fut = Box::pin(async { 2u8 });
        let (a, b) = magpie::join!(Later(1), &mut fut);
        assert_eq!((a, b), (1, 2));
    });
}

#[test]
fn many_futures() {
    block_on(async {
        let out = magpie::join!(
            async { 0 },
            async { 1 },
            async { 2 },
            async { 3 },
            async { 4 },
            async { 5 },
            async { 6 },
            async { 7 },
            async { 8 },
            async { 9 },
            async { 10 },
            async { 11 },
        );
        assert_eq!(out, (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    });
}

#[test]
fn future_expressions_may_use_names_the_macro_uses_internally() {
    block_on(async {
        let fut = async { 1 };
        let cx = 2;
        let skip = 3;
        let futures = 4;
        let (a, b, c, d) = magpie::join!(
            fut,
            async { cx },
            async move { skip },
            async move { futures }
        );
        assert_eq!((a, b, c, d), (1, 2, 3, 4));
    });
}

/// The `join!` future holds the futures, one reference to them and a small counter: no
/// per-future pointers (tokio's sizes are the bar).
#[test]
#[cfg(target_pointer_width = "64")]
fn join_future_stays_small() {
    let one = async {
        let ready = std::future::ready(0i32);
        magpie::join!(ready)
    };
    assert!(
        std::mem::size_of_val(&one) <= 32,
        "{}",
        std::mem::size_of_val(&one)
    );
    let two = async {
        let ready1 = std::future::ready(0i32);
        let ready2 = std::future::ready(0i32);
        magpie::join!(ready1, ready2)
    };
    assert!(
        std::mem::size_of_val(&two) <= 40,
        "{}",
        std::mem::size_of_val(&two)
    );
    let try_one = async {
        let ready = std::future::ready(Ok::<i32, i32>(0));
        magpie::try_join!(ready)
    };
    assert!(
        std::mem::size_of_val(&try_one) <= 32,
        "{}",
        std::mem::size_of_val(&try_one)
    );
}

#[test]
fn temporaries_in_future_expressions_live_long_enough() {
    block_on(async {
        let ((), v) = magpie::join!(&mut std::future::ready(()), &mut std::future::ready(1));
        assert_eq!(v, 1);
        let out: Result<(u8,), ()> = magpie::try_join!(&mut std::future::ready(Ok(2)));
        assert_eq!(out, Ok((2,)));
    });
}
