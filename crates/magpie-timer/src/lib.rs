//! Magpie's timers: a sharded hierarchical timer wheel, the time driver, and tokio's
//! `time` API (`sleep`, `timeout`, `interval`, `Instant`, the test clock). Users reach it
//! as `magpie::time`.
//!
//! # Design
//!
//! **Wheel** (the private `wheel` module). Six levels of 64 slots at 1 ms
//! resolution (2^36 ms, about 2.2 years; deadlines further out cycle through the top level
//! and still fire on time). Each level has a 64-bit occupancy bitmap, so the next deadline
//! is a rotate and a `trailing_zeros` per level, and a slot of a coarse level *cascades*
//! its entries into finer levels when time reaches it. Insert and remove are O(1); an
//! entry moves at most once per level. This is the classic design (tokio's, Linux's): it
//! makes registering and cancelling, by far the commonest operations (most timeouts never
//! fire), constant-time, instead of the O(log n) of a heap.
//!
//! **Intrusive entries.** The wheel's lists link nodes that live *inside* each pinned
//! [`Sleep`]: registering a timer allocates nothing. A `Sleep` is `!Unpin`; its
//! destructor unlinks the node under the shard lock before the memory goes. Polling a
//! registered `Sleep` takes no lock: the entry's state and waker slot are atomics, so
//! only registration, reset of a pending timer, and cancellation of a pending timer lock.
//! A `Sleep` that is never polled (say the inner future of a [`timeout`] is ready at
//! once) never touches the driver at all.
//!
//! **Sharding.** The driver keeps one wheel per worker, each behind its own lock
//! (cache-padded), and a thread registers its timers in its own shard; the driver that
//! parks visits every shard when it computes its sleep and when it fires. A single global
//! timer lock was a known bottleneck of tokio's (tokio#6504): with one shard per worker,
//! registration and cancellation contend only with the brief visits of the parking
//! driver. (An entry remembers its shard, so a `Sleep` moved to another worker is still
//! cancelled under the right lock.)
//!
//! **Driver.** [`Timer<P>`](Timer) implements [`Park`](magpie_sched::park::Park) over any
//! inner driver: it parks the inner driver with a timeout up to the earliest deadline,
//! then fires due entries, collecting up to 32 wakers under a shard lock and waking them
//! after releasing it. A registration that is due earlier than the deadline the driver
//! sleeps to unparks it; a shared word holding that deadline keeps the common case (the
//! driver is awake, or sleeps to an earlier deadline) free of the unpark syscall. See the
//! `driver` module for the protocol.
//!
//! **Test clock.** [`pause`], [`resume`], [`advance`] and the `start_paused` builder option
//! ([`Builder::start_paused`]) behave as tokio's: a paused runtime that goes idle jumps its
//! clock to the next deadline instead of sleeping.
//!
//! # Runtime integration
//!
//! - Build the driver over the inner one: `Builder::new().shards(workers)
//!   .pausable(is_current_thread).start_paused(..).build(inner)`, then box it
//!   (`magpie_sched::park::boxed`) for the scheduler.
//! - `sleep` and friends find the driver through a thread-local current [`Handle`]: enter
//!   [`Handle::enter`] on every runtime thread and in every `block_on`/`enter`; on a
//!   runtime built without timers, enter [`Handle::enter_disabled`] instead so misuse
//!   names `enable_time`.
//! - Hold a [`Handle::inhibit_auto_advance`] guard while a `spawn_blocking` task runs.
//! - `Park::shutdown` on the driver releases every timer; polling one afterwards panics
//!   with a message saying the runtime is shutting down.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod loom;

mod clock;
mod driver;
mod entry;
pub mod error;
mod handle;
mod instant;
mod interval;
mod pause;
mod shard;
mod sleep;
mod timeout;
mod waker;
mod wheel;

pub use driver::{Builder, Timer, TimerUnpark};
pub use handle::{AutoAdvanceInhibit, EnterGuard, Handle, Handles};
pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use pause::{advance, pause, resume};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Duration;
pub use timeout::{timeout, timeout_at, Timeout};
