//! The workloads, defined once and run on every [`BenchRuntime`].
//!
//! Four families ([`Family`]): the scheduler workloads are generic over [`BenchRuntime`];
//! the sync, time and I/O workloads are written against the runtime crates' own paths
//! (`magpie::sync::mpsc`, `tokio::sync::mpsc`, ...) in `sync.rs`, `time.rs` and `io.rs`,
//! and expanded once per runtime in `api.rs`.
//!
//! Each [`Workload`] is prepared on a runtime into a [`Routine`]: a closure that performs one
//! iteration (for example: spawn 10,000 tasks and await them all). Preparation does the
//! untimed set-up a workload needs (a busy task set, a warm blocking pool) and the routine's
//! drop undoes it, so a front end times only calls to the routine. The criterion benches and
//! the `compare` binary both drive workloads through this one interface.

use crate::BenchRuntime;

pub(crate) mod api;
mod blocking;
mod entry;
pub mod io;
mod ping_pong;
mod spawn;
pub mod sync;
pub mod time;
mod yield_many;

use io::Echo;

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

/// What part of the runtime a workload exercises (and which criterion target runs it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Spawning, waking, yielding, the blocking pool (`benches/scheduler.rs`).
    Scheduler,
    /// `sync`: channels, locks, notifications (`benches/sync.rs`).
    Sync,
    /// `time`: sleeps, timeouts, intervals (`benches/time.rs`).
    Time,
    /// `net` and `io`: TCP and UDP over loopback (`benches/io.rs`).
    Io,
}

/// A workload.
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
    /// One producer task sends 10,000 messages through a bounded mpsc channel (capacity
    /// 128) to a consumer task.
    SyncMpscBounded1,
    /// As [`Workload::SyncMpscBounded1`] with 8 producer tasks (1,250 messages each).
    SyncMpscBounded8,
    /// One producer, 10,000 messages, unbounded mpsc channel.
    SyncMpscUnbounded1,
    /// 8 producers, 10,000 messages in total, unbounded mpsc channel.
    SyncMpscUnbounded8,
    /// 10,000 oneshot channels: create, send, await.
    SyncOneshot,
    /// 8 tasks each lock one `Mutex` 1,000 times.
    SyncMutexContended,
    /// 8 tasks each acquire and release one of 2 `Semaphore` permits 1,000 times.
    SyncSemaphoreContended,
    /// Two tasks wake each other with `Notify::notify_one`, 10,000 round trips.
    SyncNotifyPingPong,
    /// One broadcast sender, 16 receiver tasks, 1,000 values each receiver gets.
    SyncBroadcast16,
    /// One watch sender sends 1,000 values; 16 receiver tasks wait on `changed` until they
    /// see the last.
    SyncWatch16,
    /// 100,000 sleeps of random length (0 to 10 ms) over 100 tasks: register and fire.
    TimeSleepRandom,
    /// 80,000 `timeout(1 s, ready future)` over 8 tasks: timeouts that never fire.
    TimeTimeoutReady,
    /// 80,000 `timeout(1 s, pending future)` over 8 tasks, each polled once and dropped:
    /// register and cancel.
    TimeTimeoutCancel,
    /// 64 tasks each tick a 1 ms interval 20 times.
    TimeIntervalTicks,
    /// 8 tasks each reset a registered `Sleep` 10,000 times to random deadlines (100 ms to
    /// 1 s away).
    TimeSleepReset,
    /// TCP echo over loopback, 1 KiB messages, 1 connection (throughput).
    IoTcpEcho1k1c,
    /// TCP echo over loopback, 64 KiB messages, 1 connection (throughput).
    IoTcpEcho64k1c,
    /// TCP echo over loopback, 1 KiB messages, 64 connections (throughput).
    IoTcpEcho1k64c,
    /// TCP echo over loopback, 64 KiB messages, 64 connections (throughput).
    IoTcpEcho64k64c,
    /// UDP ping-pong over loopback: 2,000 round trips of a 64-byte datagram.
    IoUdpPingPong,
    /// Connection rate: 4 client tasks each open 25 TCP connections in turn, exchange one
    /// byte with the accepting server's per-connection task, and close.
    IoTcpConnect,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 29] = [
        Workload::SpawnManyLocal,
        Workload::SpawnManyRemoteIdle,
        Workload::SpawnManyRemoteBusy,
        Workload::PingPong,
        Workload::YieldMany,
        Workload::ChainedSpawn,
        Workload::BlockOnEmpty,
        Workload::SpawnBlockingMany,
        Workload::SyncMpscBounded1,
        Workload::SyncMpscBounded8,
        Workload::SyncMpscUnbounded1,
        Workload::SyncMpscUnbounded8,
        Workload::SyncOneshot,
        Workload::SyncMutexContended,
        Workload::SyncSemaphoreContended,
        Workload::SyncNotifyPingPong,
        Workload::SyncBroadcast16,
        Workload::SyncWatch16,
        Workload::TimeSleepRandom,
        Workload::TimeTimeoutReady,
        Workload::TimeTimeoutCancel,
        Workload::TimeIntervalTicks,
        Workload::TimeSleepReset,
        Workload::IoTcpEcho1k1c,
        Workload::IoTcpEcho64k1c,
        Workload::IoTcpEcho1k64c,
        Workload::IoTcpEcho64k64c,
        Workload::IoUdpPingPong,
        Workload::IoTcpConnect,
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
            Workload::SyncMpscBounded1 => "sync_mpsc_bounded_1p",
            Workload::SyncMpscBounded8 => "sync_mpsc_bounded_8p",
            Workload::SyncMpscUnbounded1 => "sync_mpsc_unbounded_1p",
            Workload::SyncMpscUnbounded8 => "sync_mpsc_unbounded_8p",
            Workload::SyncOneshot => "sync_oneshot",
            Workload::SyncMutexContended => "sync_mutex_contended",
            Workload::SyncSemaphoreContended => "sync_semaphore_contended",
            Workload::SyncNotifyPingPong => "sync_notify_ping_pong",
            Workload::SyncBroadcast16 => "sync_broadcast_16",
            Workload::SyncWatch16 => "sync_watch_16",
            Workload::TimeSleepRandom => "time_sleep_random",
            Workload::TimeTimeoutReady => "time_timeout_ready",
            Workload::TimeTimeoutCancel => "time_timeout_cancel",
            Workload::TimeIntervalTicks => "time_interval_ticks",
            Workload::TimeSleepReset => "time_sleep_reset",
            Workload::IoTcpEcho1k1c => "io_tcp_echo_1k_1c",
            Workload::IoTcpEcho64k1c => "io_tcp_echo_64k_1c",
            Workload::IoTcpEcho1k64c => "io_tcp_echo_1k_64c",
            Workload::IoTcpEcho64k64c => "io_tcp_echo_64k_64c",
            Workload::IoUdpPingPong => "io_udp_ping_pong",
            Workload::IoTcpConnect => "io_tcp_connect_100",
        }
    }

    /// The family the workload belongs to.
    pub fn family(self) -> Family {
        match self.name().split('_').next() {
            Some("sync") => Family::Sync,
            Some("time") => Family::Time,
            Some("io") => Family::Io,
            _ => Family::Scheduler,
        }
    }

    /// The shape of a TCP echo workload; `None` for the others.
    pub fn echo(self) -> Option<Echo> {
        let (message, connections, round_trips) = match self {
            Workload::IoTcpEcho1k1c => (1 << 10, 1, 2_000),
            Workload::IoTcpEcho64k1c => (64 << 10, 1, 100),
            Workload::IoTcpEcho1k64c => (1 << 10, 64, 50),
            Workload::IoTcpEcho64k64c => (64 << 10, 64, 4),
            _ => return None,
        };
        Some(Echo {
            message,
            connections,
            round_trips,
        })
    }

    /// Payload bytes one iteration moves, for workloads reported as throughput (the TCP
    /// echo rows); `None` for workloads reported as time per iteration.
    pub fn throughput_bytes(self) -> Option<u64> {
        self.echo().map(Echo::bytes)
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
            _ => rt.prepare_api(self),
        }
    }
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}
