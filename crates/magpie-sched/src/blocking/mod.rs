//! The blocking pool: threads for work that blocks (file I/O, CPU-heavy closures, name
//! lookups), so it never stalls a worker.

pub(crate) mod handoff;
mod pool;
mod task;

pub(crate) use pool::{Spawner, ThreadConfig};
