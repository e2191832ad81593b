//! `try_join!`: all `Ok` gives a tuple; the first `Err` ends it and drops the rest.

use std::future::{pending, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::channel::oneshot;
use futures::executor::block_on;

/// Counts its drops.
struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Pending (waking itself) for `n` polls, then ready.
struct YieldTimes(usize);
impl Future for YieldTimes {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn all_ok_gives_the_values_in_order() {
    let out: Result<(u8, &str), String> =
        block_on(async { magpie::try_join!(async { Ok(1) }, async { Ok("two") }) });
    assert_eq!(out, Ok((1, "two")));
}

#[test]
fn empty_try_join_is_ok() {
    let out: Result<(), ()> = block_on(async { magpie::try_join!() });
    assert_eq!(out, Ok(()));
}

#[test]
fn first_error_short_circuits_and_drops_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCounter(drops.clone());
    let out: Result<((), ()), &str> = block_on(async {
        let out = magpie::try_join!(
            async move {
                let _guard = guard;
                pending::<()>().await;
                Ok(())
            },
            async {
                YieldTimes(2).await;
                Err("boom")
            },
        );
        // The pending future was dropped when try_join! returned, not later.
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        out
    });
    assert_eq!(out, Err("boom"));
}

#[test]
fn earliest_error_wins() {
    let out: Result<((), ()), u8> = block_on(async {
        magpie::try_join!(
            async {
                YieldTimes(5).await;
                Err(1)
            },
            async {
                YieldTimes(1).await;
                Err(2)
            },
        )
    });
    assert_eq!(out, Err(2));
}

#[test]
fn ok_outputs_wait_for_the_others() {
    block_on(async {
        let (tx, rx) = oneshot::channel::<u32>();
        let out: Result<(u32, ()), oneshot::Canceled> = magpie::try_join!(rx, async {
            tx.send(9).unwrap();
            Ok(())
        });
        assert_eq!(out, Ok((9, ())));
    });
}

#[test]
fn biased_and_question_mark() {
    async fn run() -> Result<u32, String> {
        let (a, b) = magpie::try_join!(biased; async { Ok::<_, String>(1) }, async { Ok(2) })?;
        Ok(a + b)
    }
    assert_eq!(block_on(run()), Ok(3));
}
