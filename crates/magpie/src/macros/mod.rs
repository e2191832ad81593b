//! The crate-root macros: `join!`, `try_join!`, `select!`, `pin!` and `task_local!`.
