//! The multi-thread, work-stealing scheduler.
//!
//! ```text
//!  spawn (inside) ──► LIFO slot / local ring ──► worker polls ──► Pending: idle until woken
//!  spawn (outside) ─► injector ─────────────────┘   ▲  steal half   │ nothing to do
//!                                                   └── other ring ◄─┘ park (driver or condvar)
//! ```
//!
//! Each worker owns a `Core` (its local ring, countdowns, RNG, counters). The core lives on the
//! worker's stack and is lent to the thread-local context while a task runs, so a wake from
//! inside a task goes straight to the local ring without synchronisation.

mod handle;
pub(crate) mod idle;
pub(crate) mod parker;
mod worker;

pub(crate) use handle::Handle;
pub(crate) use worker::{block_in_place, create};
