//! The runtime: building one, entering it, spawning onto it, and shutting it down.

mod block_on;
mod builder;
mod drivers;
mod handle;
mod id;
mod metrics;
#[allow(clippy::module_inception)]
mod runtime;

pub use builder::{Builder, DriverStack, EnterHook};
pub use drivers::{with_current_driver, DriverHandles};
pub use handle::{EnterGuard, Handle, RuntimeFlavor, TryCurrentError};
pub use id::Id;
pub use metrics::RuntimeMetrics;
pub use runtime::Runtime;

pub(crate) use block_on::block_on_thread;
pub(crate) use builder::{Common, Config};
pub(crate) use handle::Scheduler;
pub(crate) use metrics::WorkerMetrics;
