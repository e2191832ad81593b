//! `accept` when the process is out of file descriptors returns the error and leaves the
//! listener working. The limit is lowered in a child process (this test binary re-run), so
//! no other test sees it.

mod support;

use std::process::Command;

use futures::join;
use magpie_reactor::net::{TcpListener, TcpStream};
use support::block_on;

const CHILD_ENV: &str = "MAGPIE_REACTOR_FD_EXHAUSTION_CHILD";

#[test]
fn accept_under_fd_exhaustion() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return exhausted_child();
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "accept_under_fd_exhaustion",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("exhaustion-checked"));
}

fn exhausted_child() {
    block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Two connections wait in the backlog before the table fills.
        let _c1 = std::net::TcpStream::connect(addr).unwrap();
        let _c2 = std::net::TcpStream::connect(addr).unwrap();

        let limit = libc::rlimit {
            rlim_cur: 128,
            rlim_max: 128,
        };
        // SAFETY: plain FFI call with a valid pointer to an initialised struct.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
        let mut hoard = Vec::new();
        loop {
            match std::fs::File::open("/dev/null") {
                Ok(f) => hoard.push(f),
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                    break;
                }
            }
        }

        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        // Still out of descriptors: the error repeats, nothing hangs or is lost.
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");

        hoard.truncate(hoard.len().saturating_sub(8));
        let (a, _) = listener.accept().await.unwrap();
        let (b, _) = listener.accept().await.unwrap();
        drop((a, b));
        // And new connections after the episode work end to end.
        let (c, d) = join!(TcpStream::connect(addr), listener.accept());
        c.unwrap();
        d.unwrap();
        println!("exhaustion-checked");
    });
}
