//! Buffered wrappers: [`BufReader`], [`BufWriter`] and [`BufStream`].
//!
//! They cut the number of calls into the wrapped object: a `BufReader` reads in large
//! chunks and serves small reads and line scans from memory; a `BufWriter` collects small
//! writes and passes them on in large ones.

mod buf_reader;
mod buf_stream;
mod buf_writer;

pub use buf_reader::BufReader;
pub use buf_stream::BufStream;
pub use buf_writer::BufWriter;

/// Default buffer size, as tokio's (and std's on most platforms).
pub(crate) const DEFAULT_BUF_SIZE: usize = 8 * 1024;
