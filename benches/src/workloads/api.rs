//! The API workloads (sync, time, I/O) instantiated for each runtime crate.
//!
//! `sync.rs`, `time.rs` and `io.rs` hold each workload once, as a macro over the crate name;
//! here they are expanded into one module per runtime, `magpie` and `tokio`, each with a
//! `prepare` that maps a [`super::Workload`] to its routine. The expansions differ only in the
//! crate named in each path, which is the promise magpie makes to its users.

macro_rules! api_workloads {
    ($rt:ident) => {
        use super::super::{Routine, Workload};

        /// Runs `body` as a task on `rt` and waits for it: every party of a workload is a
        /// worker task, the `block_on` thread only waits for the first one.
        fn in_task<F>(rt: &::$rt::runtime::Runtime, body: F)
        where
            F: std::future::Future<Output = ()> + Send + 'static,
        {
            rt.block_on(async move { ::$rt::spawn(body).await })
                .expect("benchmark task failed");
        }

        $crate::workloads::sync::sync_workloads!($rt);
        $crate::workloads::time::time_workloads!($rt);
        $crate::workloads::io::io_workloads!($rt);

        /// The routine of an API workload on `rt`.
        pub(crate) fn prepare(rt: &::$rt::runtime::Runtime, workload: Workload) -> Routine<'_> {
            use $crate::workloads::sync::CONTENDED_PRODUCERS;
            match workload {
                Workload::SyncMpscBounded1 => mpsc_bounded(rt, 1),
                Workload::SyncMpscBounded8 => mpsc_bounded(rt, CONTENDED_PRODUCERS),
                Workload::SyncMpscUnbounded1 => mpsc_unbounded(rt, 1),
                Workload::SyncMpscUnbounded8 => mpsc_unbounded(rt, CONTENDED_PRODUCERS),
                Workload::SyncOneshot => oneshot(rt),
                Workload::SyncMutexContended => mutex_contended(rt),
                Workload::SyncSemaphoreContended => semaphore_contended(rt),
                Workload::SyncNotifyPingPong => notify_ping_pong(rt),
                Workload::SyncBroadcast16 => broadcast(rt),
                Workload::SyncWatch16 => watch(rt),
                Workload::TimeSleepRandom => sleep_random(rt),
                Workload::TimeTimeoutReady => timeout_ready(rt),
                Workload::TimeTimeoutCancel => timeout_cancel(rt),
                Workload::TimeIntervalTicks => interval_ticks(rt),
                Workload::TimeSleepReset => sleep_reset(rt),
                Workload::IoUdpPingPong => udp_ping_pong(rt),
                Workload::IoTcpConnect => tcp_connect(rt),
                other => match other.echo() {
                    Some(echo) => tcp_echo(rt, echo),
                    None => panic!("{other} is a scheduler workload, not an API workload"),
                },
            }
        }
    };
}

/// The API workloads on `magpie::` paths.
pub(crate) mod magpie {
    api_workloads!(magpie);
}

/// The API workloads on `tokio::` paths.
pub(crate) mod tokio {
    api_workloads!(tokio);
}
