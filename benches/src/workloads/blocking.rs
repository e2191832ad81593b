//! The blocking pool: many short closures handed off and awaited.

use super::{Routine, NUM_BLOCKING};
use crate::BenchRuntime;

pub(super) fn spawn_blocking_many<R: BenchRuntime>(rt: &R) -> Routine<'_> {
    let routine = move || {
        rt.block_on(async {
            let mut handles = Vec::with_capacity(NUM_BLOCKING);
            for i in 0..NUM_BLOCKING {
                handles.push(R::spawn_blocking(move || std::hint::black_box(i)));
            }
            for handle in handles {
                handle.await;
            }
        })
    };
    // Untimed first round: starts the pool's threads, which then stay alive (keep-alive is
    // 10 s on both runtimes), so samples measure hand-off, not thread creation.
    routine();
    Box::new(routine)
}
