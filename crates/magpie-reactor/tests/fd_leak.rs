//! Connect/accept/close cycles leak no file descriptor (counted in /proc/self/fd).
//!
//! 100,000 cycles in release builds, 10,000 in debug builds (where each cycle is several
//! times slower). This file holds one test so no other test opens fds meanwhile.

#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use futures::join;
use magpie_reactor::net::{TcpListener, TcpStream};
use support::block_on;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn connect_close_cycles_leak_no_fd() {
    let cycles = if cfg!(debug_assertions) {
        10_000
    } else {
        100_000
    };
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Warm up so lazily created fds (the resolver, etc.) are counted in the baseline.
        for _ in 0..10 {
            let (c, a) = join!(TcpStream::connect(addr), listener.accept());
            drop((c.unwrap(), a.unwrap()));
        }
        let before = open_fds();
        for _ in 0..cycles {
            let (c, a) = join!(TcpStream::connect(addr), listener.accept());
            let c = c.unwrap();
            // Reset instead of a graceful close: no TIME_WAIT pile-up of client ports.
            c.set_linger(Some(Duration::ZERO)).unwrap();
            drop(c);
            drop(a.unwrap());
        }
        let after = open_fds();
        assert_eq!(before, after, "fds leaked over {cycles} cycles");
    });
}
