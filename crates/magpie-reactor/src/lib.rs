//! Magpie's I/O: the reactor that drives sockets on the OS poller, tokio's io traits and
//! utilities, and the net and fs types built on them.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod io;
