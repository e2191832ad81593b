//! stdin/stdout/stderr for real: this test binary re-runs itself as a child process whose
//! standard streams are pipes, echoes its stdin to stdout upper-cased through magpie's
//! handles, and the parent checks what came out.

use magpie_reactor::io::{self, AsyncBufReadExt, AsyncWriteExt, BufReader};
use std::io::{Read, Write};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "MAGPIE_IO_STDIO_CHILD";
const BEGIN: &str = "<<<BEGIN>>>";
const END: &str = "<<<END>>>";

/// The child's side; does nothing unless started by `echo_through_a_child_process`.
#[test]
fn child_echo() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let rt = magpie_sched::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut out = io::stdout();
        let mut err = io::stderr();
        out.write_all(BEGIN.as_bytes()).await.unwrap();
        let mut lines = BufReader::new(io::stdin()).lines();
        let mut n = 0;
        while let Some(line) = lines.next_line().await.unwrap() {
            out.write_all(line.to_uppercase().as_bytes()).await.unwrap();
            out.write_all(b"\n").await.unwrap();
            n += 1;
        }
        out.write_all(END.as_bytes()).await.unwrap();
        out.flush().await.unwrap();
        err.write_all(format!("child saw {n} lines\n").as_bytes())
            .await
            .unwrap();
        err.flush().await.unwrap();
    });
}

#[test]
fn echo_through_a_child_process() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_echo", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let mut input = String::new();
    for i in 0..2000 {
        input.push_str(&format!("line {i} of the input\n"));
    }
    input.push_str("last line without newline");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes()).unwrap();
        // Dropping stdin closes the pipe: the child reads EOF.
    });
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "child failed: {err}");

    let start = out.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = out.find(END).expect("end marker");
    let echoed: Vec<&str> = out[start..end].lines().collect();
    assert_eq!(echoed.len(), 2001);
    assert_eq!(echoed[0], "LINE 0 OF THE INPUT");
    assert_eq!(echoed[1999], "LINE 1999 OF THE INPUT");
    assert_eq!(echoed[2000], "LAST LINE WITHOUT NEWLINE");
    assert!(err.contains("child saw 2001 lines"), "{err}");
}
