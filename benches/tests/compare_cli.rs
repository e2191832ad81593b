//! The `compare` binary end to end: flags, output formats, exit codes. Samples are kept to
//! one or two so the tests stay quick; no time is asserted, only the shape of the output.

use std::process::{Command, Output};

fn compare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compare"))
        .args(args)
        .env_remove("MAGPIE_BENCH_WORKERS")
        .output()
        .expect("failed to run compare")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn assert_csv_line(line: &str, workload: &str) {
    let fields: Vec<&str> = line.split(',').collect();
    assert_eq!(fields.len(), 4, "{line}");
    assert_eq!(fields[0], workload);
    let a: u64 = fields[1].parse().expect("integer first median");
    let b: u64 = fields[2].parse().expect("integer second median");
    let ratio: f64 = fields[3].parse().expect("ratio");
    assert!(a > 0 && b > 0, "{line}");
    assert!(ratio > 0.0 && ratio.is_finite(), "{line}");
}

#[test]
fn csv_is_exactly_the_header_and_one_line_per_workload() {
    let out = compare(&[
        "--csv", "--runs", "2", "--warmup", "0", "--filter", "block_on",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0], "workload,magpie_ns,tokio_ns,ratio");
    assert_csv_line(lines[1], "block_on_empty");
    // Progress went to stderr, not into the CSV.
    assert!(stderr(&out).contains("block_on_empty"));
}

#[test]
fn memory_row_and_svg() {
    let dir = std::env::temp_dir().join(format!("magpie-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("chart.svg");
    let out = compare(&[
        "--csv",
        "--quick",
        "--filter",
        "idle_task_bytes",
        "--memory-tasks",
        "1000",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_csv_line(lines[1], "idle_task_bytes");
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg ") && chart.contains("idle_task_bytes"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn throughput_rows_report_bytes_per_second() {
    let out = compare(&[
        "--runs",
        "1",
        "--warmup",
        "0",
        "--filter",
        "io_tcp_echo_1k_1c",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.starts_with("io_tcp_echo_1k_1c"))
        .expect("a row for the workload");
    assert!(row.contains("/s"), "{row}");
}

#[test]
fn peak_rss_row_runs_a_child_per_runtime() {
    let out = compare(&[
        "--csv",
        "--quick",
        "--filter",
        "idle_task_peak_rss",
        "--rss-tasks",
        "1000",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("idle_task_peak_rss,"), "{text}");

    let out = compare(&["--rss-child", "smol"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("\"smol\""));
}

#[test]
fn aa_run_labels_both_sides() {
    let out = compare(&[
        "--csv", "--aa", "tokio", "--runs", "1", "--warmup", "0", "--filter", "chained",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.lines().next(),
        Some("workload,tokio_a_ns,tokio_b_ns,ratio")
    );
    assert_csv_line(text.lines().nth(1).unwrap(), "chained_spawn");
}

#[test]
fn table_by_default() {
    let out = compare(&["--runs", "1", "--warmup", "0", "--filter", "ping_pong"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("workload"), "{text}");
    assert!(text.contains("ping_pong"));
}

#[test]
fn mistakes_exit_with_status_2_and_a_message() {
    let out = compare(&["--runs", "zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--runs needs a positive integer, got \"zero\""));

    let out = compare(&["--filter", "no_such_workload"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no workload matches"));
    assert!(stdout(&out).is_empty());
}

#[test]
fn help_prints_usage() {
    let out = compare(&["--help"]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("usage: compare"));
}
