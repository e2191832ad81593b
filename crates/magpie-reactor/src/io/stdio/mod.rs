//! Standard input, output and error for async code: [`stdin`], [`stdout`], [`stderr`].
//!
//! The process's standard streams may be terminals, files or pipes and cannot generally be
//! made non-blocking, so each operation runs on the runtime's blocking pool (as tokio does).
//! These handles therefore need a magpie runtime: using them elsewhere panics.

mod blocking;
mod stdin;
mod stdout;

pub use stdin::{stdin, Stdin};
pub use stdout::{stderr, stdout, Stderr, Stdout};
