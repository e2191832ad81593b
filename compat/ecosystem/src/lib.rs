//! Shared pieces of the ecosystem tests and examples: a hyper service, an axum app and a
//! throw-away PostgreSQL cluster. Everything runs on Magpie through the `tokio` shim.

pub mod http;
pub mod pg;
