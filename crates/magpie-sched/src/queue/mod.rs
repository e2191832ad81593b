//! Run queues: each worker's bounded local ring, its stealable LIFO slot, and the shared
//! injector that takes overflow and spawns from outside the workers.

pub(crate) mod inject;
pub(crate) mod lifo;
pub(crate) mod local;
