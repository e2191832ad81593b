//! tokio's io traits and utilities: `AsyncRead`, `AsyncWrite`, their extension traits,
//! buffering, copying, in-memory pipes and the standard streams.
//!
//! The traits have tokio's exact signatures, so code written against `tokio::io` compiles
//! against this module unchanged. The extension traits ([`AsyncReadExt`], [`AsyncWriteExt`],
//! [`AsyncBufReadExt`], [`AsyncSeekExt`]) return named futures, listed in [`futures`] for
//! the rare caller that must store one. Utilities that can loop on always-ready in-memory
//! objects ([`copy`], [`duplex`], [`empty`], [`repeat`], [`sink`]) spend the task's coop
//! budget, so they yield to other tasks like sockets do. [`stdin`], [`stdout`] and
//! [`stderr`] run on the runtime's blocking pool; `compat` adapts to and from the `futures`
//! crate's io traits.

mod async_buf_read;
mod async_read;
mod async_seek;
mod async_write;
mod buf_read_ext;
mod buffered;
#[cfg(feature = "compat")]
pub mod compat;
mod copy;
mod duplex;
mod empty;
mod join;
mod read_buf;
mod read_ext;
mod repeat;
mod seek_ext;
mod sink;
mod split;
mod stdio;
mod string_buf;
mod write_ext;

pub use async_buf_read::AsyncBufRead;
pub use async_read::AsyncRead;
pub use async_seek::AsyncSeek;
pub use async_write::AsyncWrite;
pub use buf_read_ext::{AsyncBufReadExt, Lines, Split};
pub use buffered::{BufReader, BufStream, BufWriter};
pub use copy::{copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf};
pub use duplex::{duplex, simplex, DuplexStream, SimplexStream};
pub use empty::{empty, Empty};
pub use join::{join, Join};
pub use read_buf::ReadBuf;
pub use read_ext::{AsyncReadExt, Chain, Take};
pub use repeat::{repeat, Repeat};
pub use seek_ext::AsyncSeekExt;
pub use sink::{sink, Sink};
pub use split::{split, ReadHalf, WriteHalf};
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use write_ext::AsyncWriteExt;

pub use crate::{Interest, Ready};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};

/// Unix-specific io: readiness for file descriptors the caller owns and does the I/O on.
#[cfg(unix)]
pub mod unix {
    #[doc(hidden)]
    #[allow(deprecated)]
    pub use crate::AsyncFdTryNewError;
    pub use crate::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
    };
}

/// The futures returned by the extension traits' methods.
///
/// Each is a named type so it can be stored in a struct; most code just `.await`s them.
pub mod futures {
    pub use super::buf_read_ext::{FillBuf, ReadLine, ReadUntil};
    pub use super::read_ext::{
        Read, ReadBufFut as ReadBuf, ReadExact, ReadF32, ReadF32Le, ReadF64, ReadF64Le, ReadI128,
        ReadI128Le, ReadI16, ReadI16Le, ReadI32, ReadI32Le, ReadI64, ReadI64Le, ReadI8, ReadToEnd,
        ReadToString, ReadU128, ReadU128Le, ReadU16, ReadU16Le, ReadU32, ReadU32Le, ReadU64,
        ReadU64Le, ReadU8,
    };
    pub use super::seek_ext::Seek;
    pub use super::write_ext::{
        Flush, Shutdown, Write, WriteAll, WriteAllBuf, WriteBuf, WriteF32, WriteF32Le, WriteF64,
        WriteF64Le, WriteI128, WriteI128Le, WriteI16, WriteI16Le, WriteI32, WriteI32Le, WriteI64,
        WriteI64Le, WriteI8, WriteU128, WriteU128Le, WriteU16, WriteU16Le, WriteU32, WriteU32Le,
        WriteU64, WriteU64Le, WriteU8, WriteVectored,
    };
}
