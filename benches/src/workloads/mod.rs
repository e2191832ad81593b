//! The scheduler workloads, defined once and run on every [`BenchRuntime`].
//!
//! Each [`Workload`] is prepared on a runtime into a [`Routine`]: a closure that performs one
//! iteration (for example: spawn 10,000 tasks and await them all). Preparation does the
//! untimed set-up a workload needs (a busy task set, a warm blocking pool) and the routine's
//! drop undoes it, so a front end times only calls to the routine. The criterion benches and
//! the `compare` binary both drive workloads through this one interface.

use crate::BenchRuntime;

mod blocking;
mod entry;
mod ping_pong;
mod spawn;
mod yield_many;

/// Tasks spawned per iteration by the `spawn_many_*` workloads.
pub const NUM_SPAWN: usize = 10_000;
/// Ping-pong pairs per iteration of [`Workload::PingPong`].
pub const NUM_PINGS: usize = 1_000;
/// Tasks in [`Workload::YieldMany`].
pub const NUM_YIELD_TASKS: usize = 200;
/// Yields per task in [`Workload::YieldMany`].
pub const NUM_YIELDS: usize = 1_000;
/// Depth of the spawn chain in [`Workload::ChainedSpawn`].
pub const CHAIN_DEPTH: usize = 1_000;
/// Blocking closures per iteration of [`Workload::SpawnBlockingMany`].
pub const NUM_BLOCKING: usize = 1_000;

/// One iteration of a prepared workload. Dropping it tears down what preparation set up.
pub type Routine<'a> = Box<dyn FnMut() + 'a>;

/// A scheduler workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// A task spawns [`NUM_SPAWN`] empty tasks and awaits them all.
    SpawnManyLocal,
    /// The benchmark thread spawns [`NUM_SPAWN`] empty tasks through a handle onto idle
    /// workers, then awaits them all.
    SpawnManyRemoteIdle,
    /// As [`Workload::SpawnManyRemoteIdle`], while `2 x workers` tasks keep every worker
    /// busy (each spins for 10 us, then yields, until the routine is dropped).
    SpawnManyRemoteBusy,
    /// [`NUM_PINGS`] pairs of tasks, each pair exchanging one message each way over
    /// oneshot channels.
    PingPong,
    /// [`NUM_YIELD_TASKS`] tasks each yield [`NUM_YIELDS`] times.
    YieldMany,
    /// Each task spawns the next, [`CHAIN_DEPTH`] deep; the last one signals completion.
    ChainedSpawn,
    /// `block_on` of an empty future: the fixed cost of entering the runtime.
    BlockOnEmpty,
    /// The `block_on` future hands [`NUM_BLOCKING`] empty closures to the blocking pool and
    /// awaits them.
    SpawnBlockingMany,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 8] = [
        Workload::SpawnManyLocal,
        Workload::SpawnManyRemoteIdle,
        Workload::SpawnManyRemoteBusy,
        Workload::PingPong,
        Workload::YieldMany,
        Workload::ChainedSpawn,
        Workload::BlockOnEmpty,
        Workload::SpawnBlockingMany,
    ];

    /// The workload's name in reports and filters, e.g. `spawn_many_local`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::SpawnManyLocal => "spawn_many_local",
            Workload::SpawnManyRemoteIdle => "spawn_many_remote_idle",
            Workload::SpawnManyRemoteBusy => "spawn_many_remote_busy",
            Workload::PingPong => "ping_pong",
            Workload::YieldMany => "yield_many",
            Workload::ChainedSpawn => "chained_spawn",
            Workload::BlockOnEmpty => "block_on_empty",
            Workload::SpawnBlockingMany => "spawn_blocking_many",
        }
    }

    /// How many routine calls one timed sample of `compare` makes (the reported time is
    /// per call). Workloads that take well under a microsecond are batched so that the
    /// clock's resolution and the timing overhead do not dominate.
    pub fn batch(self) -> u32 {
        match self {
            Workload::BlockOnEmpty => 1_000,
            _ => 1,
        }
    }

    /// Sets the workload up on `rt` (whose multi-thread scheduler has `workers` workers)
    /// and returns the routine that runs one iteration.
    pub fn prepare<R: BenchRuntime>(self, rt: &R, workers: usize) -> Routine<'_> {
        match self {
            Workload::SpawnManyLocal => spawn::many_local(rt),
            Workload::SpawnManyRemoteIdle => spawn::many_remote_idle(rt),
            Workload::SpawnManyRemoteBusy => spawn::many_remote_busy(rt, workers),
            Workload::PingPong => ping_pong::routine(rt),
            Workload::YieldMany => yield_many::routine(rt),
            Workload::ChainedSpawn => spawn::chained(rt),
            Workload::BlockOnEmpty => entry::block_on_empty(rt),
            Workload::SpawnBlockingMany => blocking::spawn_blocking_many(rt),
        }
    }
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}
