//! Asynchronous green threads: spawning, joining, aborting, yielding and cooperative
//! budgeting.

pub use magpie_sched::coop::{consume_budget, unconstrained, Unconstrained};
pub use magpie_sched::task::{id, try_id, AbortHandle, Id, JoinError, JoinHandle};
pub use magpie_sched::{block_in_place, spawn, yield_now};

pub use crate::macros::task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use join_set::JoinSet;
pub use local::{spawn_local, LocalEnterGuard, LocalSet, RunUntil};

pub(crate) mod join_set;
mod local;

pub mod futures {
    //! The named future types of the task module.
    pub use crate::macros::task_local::TaskLocalFuture;
}

pub mod coop {
    //! Cooperative scheduling: a budget of operations per task poll, shared with tokio's
    //! `task::coop` names.
    pub use magpie_sched::coop::{
        consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained,
        Cooperative, RestoreOnPending, Unconstrained,
    };
}

/// Runs a blocking closure on the current runtime's blocking pool, returning a
/// [`JoinHandle`] to its result.
///
/// While it runs, a paused test clock does not auto-advance (as in tokio).
///
/// # Panics
///
/// Panics outside a runtime.
///
/// # Examples
///
/// ```
/// # magpie::runtime::Runtime::new().unwrap().block_on(async {
/// let sum = magpie::task::spawn_blocking(|| (1..=10).sum::<u32>()).await.unwrap();
/// assert_eq!(sum, 55);
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(func: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match magpie_timer::Handle::try_current() {
        Some(timer) => {
            // Held until the task's result is published (not just until `func` returns),
            // so a paused clock cannot jump ahead of a result about to arrive.
            let inhibit = timer.inhibit_auto_advance();
            match magpie_sched::runtime::Handle::try_current() {
                Ok(rt) => rt.spawn_blocking_holding(func, Box::new(inhibit)),
                Err(e) => panic!("{e}"),
            }
        }
        None => magpie_sched::spawn_blocking(func),
    }
}
