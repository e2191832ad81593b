//! Loom: the in-memory pipes never lose a wake-up or a byte.
//!
//! A writer and a reader on two threads race through a tiny `duplex` buffer, so each side
//! keeps parking on a full or empty buffer; loom's `block_on` parks a task until it is
//! woken, so a lost wake-up shows up as a deadlock. Dropping one end must wake the other.

#![cfg(loom)]

use loom::future::block_on;
use loom::thread;
use magpie_reactor::io::{self, AsyncReadExt, AsyncWriteExt};

#[test]
fn bytes_flow_through_a_full_buffer() {
    loom::model(|| {
        let (mut a, mut b) = io::duplex(1);
        let writer = thread::spawn(move || {
            block_on(async {
                a.write_all(b"xyz").await.unwrap();
                // Dropping `a` closes the pipe: `b` reads EOF after the data.
            })
        });
        let got = block_on(async {
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            got
        });
        writer.join().unwrap();
        assert_eq!(got, b"xyz");
    });
}

#[test]
fn dropping_the_reader_wakes_a_blocked_writer() {
    loom::model(|| {
        let (mut a, b) = io::duplex(1);
        let dropper = thread::spawn(move || drop(b));
        let res = block_on(async {
            a.write_all(b"ab").await?;
            a.write_all(b"more").await
        });
        dropper.join().unwrap();
        // The reader never read: the writer either filled the buffer and waited, or found
        // the pipe closed. Either way it must end with BrokenPipe, not hang.
        assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    });
}

#[test]
fn shutdown_wakes_a_blocked_reader() {
    loom::model(|| {
        let (a, mut b) = io::duplex(4);
        let (_ra, mut wa) = io::split(a);
        let closer = thread::spawn(move || {
            block_on(async {
                wa.write_all(b"k").await.unwrap();
                wa.shutdown().await.unwrap();
            })
        });
        let got = block_on(async {
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            got
        });
        closer.join().unwrap();
        assert_eq!(got, b"k");
    });
}
