//! A tiny executor for the crate's unit tests: polls one future, parking on a reactor
//! between polls, plus a three-way join (the crate has no `futures` dependency).

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use magpie_sched::park::{Park, Unpark};

use super::{Reactor, ReactorUnpark};

struct Flag(AtomicBool, ReactorUnpark);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
        self.1.unpark();
    }
}

pub(crate) fn block_on<F: Future>(reactor: &mut Reactor, fut: F) -> F::Output {
    let _guard = reactor.handle().enter();
    let flag = Arc::new(Flag(AtomicBool::new(true), reactor.unpark()));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if flag.0.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
        }
        if !flag.0.load(Ordering::SeqCst) {
            reactor.park();
        }
    }
}

pub(crate) async fn join3<A: Future, B: Future, C: Future>(
    a: A,
    b: B,
    c: C,
) -> (A::Output, B::Output, C::Output) {
    let (mut a, mut b, mut c) = (Box::pin(a), Box::pin(b), Box::pin(c));
    let (mut ra, mut rb, mut rc) = (None, None, None);
    std::future::poll_fn(|cx| {
        poll_slot(a.as_mut(), &mut ra, cx);
        poll_slot(b.as_mut(), &mut rb, cx);
        poll_slot(c.as_mut(), &mut rc, cx);
        if ra.is_some() && rb.is_some() && rc.is_some() {
            Poll::Ready((ra.take().unwrap(), rb.take().unwrap(), rc.take().unwrap()))
        } else {
            Poll::Pending
        }
    })
    .await
}

fn poll_slot<F: Future>(f: Pin<&mut F>, slot: &mut Option<F::Output>, cx: &mut Context<'_>) {
    if slot.is_none() {
        if let Poll::Ready(v) = f.poll(cx) {
            *slot = Some(v);
        }
    }
}
