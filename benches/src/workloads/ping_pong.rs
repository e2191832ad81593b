//! Ping-pong: pairs of tasks that wake each other through oneshot channels.

use super::{Routine, NUM_PINGS};
use crate::BenchRuntime;

pub(super) fn routine<R: BenchRuntime>(rt: &R) -> Routine<'_> {
    Box::new(move || {
        rt.block_on(async {
            R::spawn(async {
                let mut pings = Vec::with_capacity(NUM_PINGS);
                for _ in 0..NUM_PINGS {
                    pings.push(R::spawn(ping::<R>()));
                }
                for ping in pings {
                    ping.await;
                }
            })
            .await;
        })
    })
}

/// One pair: this task pings a freshly spawned partner and waits for its pong.
async fn ping<R: BenchRuntime>() {
    let (ping_tx, ping_rx) = R::oneshot::<()>();
    let (pong_tx, pong_rx) = R::oneshot::<()>();
    drop(R::spawn(async move {
        ping_rx.await;
        R::send(pong_tx, ());
    }));
    R::send(ping_tx, ());
    pong_rx.await;
}
