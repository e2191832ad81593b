//! `magpie::process` on the facade's multi-thread runtime: many children at once, waited
//! from different tasks, and a child killed from a `select!`.

#![cfg(unix)]

use std::process::Stdio;
use std::time::Duration;

use magpie::io::{AsyncBufReadExt, BufReader};
use magpie::process::Command;

#[magpie::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_children_at_once() {
    let mut tasks = magpie::task::JoinSet::new();
    for i in 0..32u32 {
        tasks.spawn(async move {
            let out = Command::new("sh")
                .args(["-c", &format!("echo {i}; exit {}", i % 4)])
                .output()
                .await
                .unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{i}\n"));
            assert_eq!(out.status.code(), Some((i % 4) as i32));
        });
    }
    while let Some(res) = tasks.join_next().await {
        res.unwrap();
    }
}

#[magpie::test(flavor = "multi_thread", worker_threads = 2)]
async fn lines_from_a_child_and_kill_on_timeout() {
    let mut child = Command::new("sh")
        .args(["-c", "echo one; echo two; sleep 100"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("one"));
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
    magpie::select! {
        _ = child.wait() => panic!("sleep 100 ended early"),
        _ = magpie::time::sleep(Duration::from_millis(50)) => child.kill().await.unwrap(),
    }
    assert!(!child.wait().await.unwrap().success());
}
