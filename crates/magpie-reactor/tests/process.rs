//! Child processes: output and status, piped stdin, big outputs on both pipes at once,
//! kill and try_wait, kill_on_drop, piping one child into another, and misuse.

#![cfg(unix)]

mod support;

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use magpie_reactor::io::{AsyncReadExt, AsyncWriteExt};
use magpie_reactor::process::Command;
use support::{block_on, panic_message, within};

#[test]
fn output_and_status() {
    within("output", || {
        block_on(async {
            let out = Command::new("echo").arg("hello").output().await.unwrap();
            assert!(out.status.success());
            assert_eq!(out.stdout, b"hello\n");
            assert!(out.stderr.is_empty());

            let status = Command::new("sh")
                .args(["-c", "exit 3"])
                .status()
                .await
                .unwrap();
            assert_eq!(status.code(), Some(3));
        })
    });
}

#[test]
fn stdin_piped_through_cat() {
    within("cat", || {
        block_on(async {
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(b"through the pipe").await.unwrap();
            drop(stdin);
            let mut stdout = child.stdout.take().unwrap();
            let mut got = String::new();
            stdout.read_to_string(&mut got).await.unwrap();
            assert_eq!(got, "through the pipe");
            assert!(child.wait().await.unwrap().success());
        })
    });
}

#[test]
fn large_output_on_both_pipes_does_not_deadlock() {
    within("large output", || {
        block_on(async {
            let out = Command::new("sh")
                .args([
                    "-c",
                    "head -c 1000000 /dev/zero; head -c 700000 /dev/zero >&2; exit 5",
                ])
                .output()
                .await
                .unwrap();
            assert_eq!(out.status.code(), Some(5));
            assert_eq!(out.stdout.len(), 1_000_000);
            assert_eq!(out.stderr.len(), 700_000);
        })
    });
}

#[test]
fn kill_try_wait_and_id() {
    within("kill", || {
        block_on(async {
            let mut child = Command::new("sleep").arg("100").spawn().unwrap();
            assert!(child.id().is_some());
            assert!(child.try_wait().unwrap().is_none());
            child.kill().await.unwrap();
            let status = child.wait().await.unwrap();
            assert_eq!(status.signal(), Some(libc::SIGKILL));
            assert_eq!(child.try_wait().unwrap(), Some(status));
            assert_eq!(child.id(), None);
            // Once reaped there is nothing to kill: both are no-ops, and the status stays.
            child.start_kill().unwrap();
            child.kill().await.unwrap();
            assert_eq!(child.wait().await.unwrap(), status);
        })
    });
}

#[cfg(target_os = "linux")]
#[test]
fn kill_on_drop_kills_and_the_orphan_is_reaped() {
    within("kill_on_drop", || {
        block_on(async {
            let child = Command::new("sleep")
                .arg("100")
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            let pid = child.id().unwrap();
            drop(child);
            // Reaped at a later spawn: keep spawning until it is gone (not even a zombie).
            for _ in 0..200 {
                Command::new("true").status().await.unwrap();
                if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            panic!("child {pid} still exists after kill_on_drop");
        })
    });
}

#[test]
fn one_child_piped_into_another() {
    within("pipeline", || {
        block_on(async {
            let mut echo = Command::new("echo")
                .arg("shout")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let stdout: Stdio = echo.stdout.take().unwrap().try_into().unwrap();
            let out = Command::new("tr")
                .args(["a-z", "A-Z"])
                .stdin(stdout)
                .output()
                .await
                .unwrap();
            assert_eq!(out.stdout, b"SHOUT\n");
            assert!(echo.wait().await.unwrap().success());
        })
    });
}

#[test]
fn missing_program_is_an_error_and_no_runtime_panics() {
    block_on(async {
        let err = Command::new("/nonexistent/magpie-no-such-program")
            .spawn()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    });
    let err = std::panic::catch_unwind(|| Command::new("true").spawn()).unwrap_err();
    let msg = panic_message(err);
    assert!(msg.contains("there is no reactor running"), "{msg}");
}
