//! Unix-domain sockets: [`UnixListener`], [`UnixStream`] with its split halves,
//! [`UnixDatagram`], and [`UnixSocket`] to set one up step by step; [`pipe`] for pipes and
//! FIFOs.

mod addr;
mod datagram;
mod listener;
pub mod pipe;
mod socket;
mod split;
mod split_owned;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use socket::UnixSocket;
pub use split::{ReadHalf, WriteHalf};
pub use split_owned::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
pub use ucred::UCred;
