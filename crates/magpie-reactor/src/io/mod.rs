//! tokio's io traits and utilities: `AsyncRead`, `AsyncWrite`, their extension traits,
//! buffering, copying and in-memory pipes.
//!
//! The traits have tokio's exact signatures, so code written against `tokio::io` compiles
//! against this module unchanged.

mod async_buf_read;
mod async_read;
mod async_seek;
mod async_write;
mod read_buf;

pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_seek::AsyncSeek;
pub use async_write::AsyncWrite;
pub use read_buf::ReadBuf;

pub use std::io::{Error, ErrorKind, Result, SeekFrom};
