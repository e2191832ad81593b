//! Entering the runtime: the fixed cost of `block_on`.

use super::Routine;
use crate::BenchRuntime;

pub(super) fn block_on_empty<R: BenchRuntime>(rt: &R) -> Routine<'_> {
    Box::new(move || rt.block_on(async {}))
}
