//! Multi-producer, single-consumer FIFO queues.
//!
//! [`channel`] makes a bounded channel: senders wait (in FIFO order) while `buffer` values
//! are queued, which gives back-pressure. [`unbounded_channel`] never makes senders wait.
//! The receiver sees `None` once every sender is gone and the queue is drained, or once it
//! [closed](Receiver::close) the channel and drained it.
//!
//! # Cancel safety
//!
//! `recv` and `recv_many` are cancel safe: a message is only taken from the queue by the
//! poll that returns it. `send` is not (a dropped `send` future loses its value and its place
//! in the queue of waiting senders); use [`Sender::reserve`] to wait for capacity without
//! risking the value.
//!
//! # Examples
//!
//! ```
//! use magpie_sync::mpsc;
//!
//! # futures::executor::block_on(async {
//! let (tx, mut rx) = mpsc::channel(8);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     std::thread::spawn(move || tx.blocking_send(i).unwrap());
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(i) = rx.recv().await {
//!     got.push(i);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```

mod bounded;
mod chan;
pub mod error;
mod unbounded;

pub use bounded::{channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
