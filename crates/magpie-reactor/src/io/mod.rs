//! tokio's io traits and utilities: `AsyncRead`, `AsyncWrite`, their extension traits,
//! buffering, copying and in-memory pipes.
