//! Magpie: an async runtime with tokio's paths and names.
//!
//! Replace `tokio::` with `magpie::` and the code compiles and behaves the same.

#![warn(missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

#[macro_use]
mod macros;

pub use magpie_macros::{main, test};

#[doc(hidden)]
pub use macros::support as __macro_support;

pub mod task {
    //! Asynchronous green threads: spawning, joining, yielding and cooperative budgeting.

    pub mod coop {
        //! Cooperative scheduling: a budget of operations per task poll.
        pub use magpie_sched::coop::{
            consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained,
            Cooperative, RestoreOnPending, Unconstrained,
        };
    }
}
