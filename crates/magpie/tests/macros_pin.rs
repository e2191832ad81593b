//! `pin!`: shadowing form and declaration form.

use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::executor::block_on;

/// A `!Unpin` future ready with 1.
struct NotUnpin(PhantomPinned);
impl Future for NotUnpin {
    type Output = u8;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u8> {
        Poll::Ready(1)
    }
}

#[test]
fn shadows_with_a_pinned_reference() {
    block_on(async {
        let a = NotUnpin(PhantomPinned);
        let b = async { 2u8 };
        magpie::pin!(a, b);
        let a: Pin<&mut NotUnpin> = a;
        assert_eq!(a.await, 1);
        assert_eq!((&mut b).await, 2);
    });
}

#[test]
fn declaration_form() {
    block_on(async {
        magpie::pin! {
            let a = NotUnpin(PhantomPinned);
            let b = async { 3u8 };
        }
        assert_eq!(a.as_mut().await + b.as_mut().await, 4);
    });
}

#[test]
fn pinned_future_survives_select_loops() {
    block_on(async {
        let slow = async {
            for _ in 0..3 {
                futures::pending!();
            }
            10u8
        };
        magpie::pin!(slow);
        let mut ticks = 0;
        let out = loop {
            magpie::select! {
                biased;
                v = &mut slow => break v,
                _ = async {} => ticks += 1,
            }
        };
        assert_eq!(out, 10);
        assert!(ticks >= 1);
    });
}
