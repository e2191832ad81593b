//! A crate named `tokio` that is Magpie, for `[patch.crates-io]`.
//!
//! Every module and macro here is Magpie's, re-exported under tokio's path: code and crates
//! written against tokio 1.x compile against it unchanged and run on Magpie's scheduler,
//! reactor and timers. Feature flags are declared for compatibility only; everything Magpie
//! has is always on. See `docs/ecosystem.md` in the Magpie repository for the crates tried
//! and what does not work yet.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]

#[doc(hidden)]
pub use magpie::macros;
pub use magpie::{fs, io, net, runtime, spawn, sync, task, time};
pub use magpie::{join, pin, select, task_local, try_join};
#[cfg(unix)]
pub use magpie::{process, signal};
pub use tokio_macros::{main, test};

/// Magpie's own entry-point attributes, which the shim's `#[tokio::main]` and
/// `#[tokio::test]` forward to with `crate = "::tokio"`.
#[doc(hidden)]
pub mod __magpie {
    pub use magpie::{main, test};
}
