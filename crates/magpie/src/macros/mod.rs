//! The crate-root macros: `join!`, `try_join!`, `select!`, `pin!` and `task_local!`.
//!
//! They are declarative (`macro_rules!`) and exported at the crate root, like tokio's. What
//! their expansions call at run time lives in [`support`], re-exported (hidden) as
//! `magpie::__macro_support` so that `$crate::__macro_support::...` resolves from any crate.
//! `select!` parses its grammar here and hands the normalized branches to a code generator
//! in `magpie-macros`.

pub mod support;
pub(crate) mod task_local;

mod join;
mod pin;
mod select;
mod try_join;
