//! Yield-many: many tasks that each yield back to the scheduler over and over.

use super::{Routine, NUM_YIELDS, NUM_YIELD_TASKS};
use crate::BenchRuntime;

pub(super) fn routine<R: BenchRuntime>(rt: &R) -> Routine<'_> {
    Box::new(move || {
        rt.block_on(async {
            let mut tasks = Vec::with_capacity(NUM_YIELD_TASKS);
            for _ in 0..NUM_YIELD_TASKS {
                tasks.push(R::spawn(async {
                    for _ in 0..NUM_YIELDS {
                        R::yield_now().await;
                    }
                }));
            }
            for task in tasks {
                task.await;
            }
        })
    })
}
