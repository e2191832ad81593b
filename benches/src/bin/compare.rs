//! `compare`: every workload on magpie and on tokio in one process, side by side.
//!
//! For each workload both runtimes are built with the same worker count and sampled in
//! rounds; each round runs one sample on each, alternating which goes first, so slow drifts
//! of the machine (another build, frequency changes) hit both sides alike. The first rounds
//! are warm-up and not recorded. Reported: the median per side and the ratio of medians.
//!
//! Throughput rows (`io_tcp_echo_*`) report bytes per second, with the ratio inverted so
//! that below 1.0 always means the first side is better.
//!
//! The last two rows are memory, not time: `idle_task_bytes`, heap bytes kept alive per
//! spawned task that stays pending, measured with the counting allocator installed below;
//! and `idle_task_peak_rss`, the growth of peak resident memory for a million such tasks,
//! measured in a child process per runtime (this binary, started with `--rss-child`).
//!
//! `cargo run --release -p magpie-benches --bin compare -- --help` lists the options.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use magpie_benches::memory::{idle_task_bytes, idle_task_peak_rss, CountingAlloc};
use magpie_benches::options::{Options, Pair, USAGE};
use magpie_benches::report::{self, Row, Unit};
use magpie_benches::stats::Summary;
use magpie_benches::workloads::Family;
use magpie_benches::{workers_from_env, BenchRuntime, Magpie, Tokio, Workload};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Name of the heap-bytes memory row (and what `--filter` matches it against).
const MEMORY_ROW: &str = "idle_task_bytes";
/// Name of the resident-memory row.
const RSS_ROW: &str = "idle_task_peak_rss";

/// A sample that takes longer than this means a runtime hung: stop with a message rather
/// than wait forever.
const HANG_LIMIT: Duration = Duration::from_secs(120);

fn main() -> ExitCode {
    let opts = match Options::parse(std::env::args().skip(1), workers_from_env()) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("compare: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if opts.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    magpie_benches::rt::set_drivers(opts.drivers);
    if let Some(runtime) = &opts.rss_child {
        return rss_child(runtime, &opts);
    }
    let selected = Workload::ALL.iter().any(|w| runnable(w, &opts))
        || opts.selects(MEMORY_ROW)
        || opts.selects(RSS_ROW);
    if !selected {
        eprintln!(
            "compare: no workload matches --filter {:?}; workloads: {}, {MEMORY_ROW}, {RSS_ROW}",
            opts.filter.as_deref().unwrap_or(""),
            Workload::ALL.map(|w| w.name()).join(", ")
        );
        return ExitCode::from(2);
    }
    start_watchdog();
    let started = Instant::now();
    let rows = match opts.pair {
        Pair::MagpieVsTokio => run::<Magpie, Tokio>(&opts),
        Pair::TokioVsTokio => run::<Tokio, Tokio>(&opts),
        Pair::MagpieVsMagpie => run::<Magpie, Magpie>(&opts),
    };
    eprintln!("compare: done in {:.1} s", started.elapsed().as_secs_f64());

    let labels = opts.pair.labels();
    let text = if opts.csv {
        report::csv(&rows, labels)
    } else {
        report::table(&rows, labels)
    };
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).is_err() {
        return ExitCode::FAILURE;
    }
    if let Some(path) = &opts.svg {
        let subtitle = format!(
            "{} workers each, {}, median of {} runs, {} CPUs available",
            opts.workers,
            if opts.drivers {
                "enable_all()"
            } else {
                "no drivers"
            },
            opts.runs,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        if let Err(e) = std::fs::write(path, report::svg(&rows, labels, &subtitle)) {
            eprintln!("compare: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("compare: wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

/// Runs every selected workload with `A` in the first column and `B` in the second.
fn run<A: BenchRuntime, B: BenchRuntime>(opts: &Options) -> Vec<Row> {
    let (label_a, label_b) = opts.pair.labels();
    let workloads: Vec<Workload> = Workload::ALL
        .into_iter()
        .filter(|w| runnable(w, opts))
        .collect();
    eprintln!(
        "compare: {label_a} vs {label_b}, {} workers, drivers {}, {} warm-up + {} timed rounds per workload",
        opts.workers,
        if opts.drivers { "all (enable_all)" } else { "none (scheduler only)" },
        opts.warmup,
        opts.runs
    );
    let mut rows = Vec::new();
    for (i, &workload) in workloads.iter().enumerate() {
        eprint!("[{}/{}] {workload:<24}", i + 1, workloads.len());
        let a = A::build(opts.workers);
        let b = B::build(opts.workers);
        let mut samples_a = Vec::with_capacity(opts.runs);
        let mut samples_b = Vec::with_capacity(opts.runs);
        for round in 0..opts.warmup + opts.runs {
            let keep = round >= opts.warmup;
            let (ta, tb) = if round % 2 == 0 {
                let ta = sample(&a, label_a, workload, opts.workers);
                (ta, sample(&b, label_b, workload, opts.workers))
            } else {
                let tb = sample(&b, label_b, workload, opts.workers);
                (sample(&a, label_a, workload, opts.workers), tb)
            };
            if keep {
                samples_a.push(ta);
                samples_b.push(tb);
            }
        }
        drop((a, b));
        let (unit, samples_a, samples_b) = match workload.throughput_bytes() {
            // Bytes per second from each sample's time, so the spread is the throughput's.
            Some(bytes) => {
                let rate = |ns: &f64| bytes as f64 * 1e9 / ns;
                let a: Vec<f64> = samples_a.iter().map(rate).collect();
                let b: Vec<f64> = samples_b.iter().map(rate).collect();
                (Unit::BytesPerSec, a, b)
            }
            None => (Unit::Nanos, samples_a, samples_b),
        };
        let row = Row {
            name: workload.name().to_string(),
            unit,
            a: Summary::of(&samples_a),
            b: Summary::of(&samples_b),
        };
        progress(&row, opts.pair.labels());
        rows.push(row);
    }
    if opts.selects(MEMORY_ROW) {
        eprint!("[mem] {MEMORY_ROW:<24}");
        let rounds = if opts.quick { 1 } else { 3 };
        let mut bytes_a = Vec::new();
        let mut bytes_b = Vec::new();
        for round in 0..rounds {
            if round % 2 == 0 {
                bytes_a.push(memory::<A>(opts));
                bytes_b.push(memory::<B>(opts));
            } else {
                bytes_b.push(memory::<B>(opts));
                bytes_a.push(memory::<A>(opts));
            }
        }
        let row = Row {
            name: MEMORY_ROW.to_string(),
            unit: Unit::Bytes,
            a: Summary::of(&bytes_a),
            b: Summary::of(&bytes_b),
        };
        progress(&row, opts.pair.labels());
        rows.push(row);
    }
    if opts.selects(RSS_ROW) {
        eprint!("[mem] {RSS_ROW:<24}");
        let rounds = if opts.quick { 1 } else { 3 };
        let mut bytes_a = Vec::new();
        let mut bytes_b = Vec::new();
        for round in 0..rounds {
            if round % 2 == 0 {
                bytes_a.push(rss_in_child(A::NAME, opts));
                bytes_b.push(rss_in_child(B::NAME, opts));
            } else {
                bytes_b.push(rss_in_child(B::NAME, opts));
                bytes_a.push(rss_in_child(A::NAME, opts));
            }
        }
        let row = Row {
            name: RSS_ROW.to_string(),
            unit: Unit::Bytes,
            a: Summary::of(&bytes_a),
            b: Summary::of(&bytes_b),
        };
        progress(&row, opts.pair.labels());
        rows.push(row);
    }
    rows
}

/// Runs this binary as a child that measures the peak RSS growth of `--rss-tasks` idle
/// tasks on `runtime`, and returns the bytes it reports.
fn rss_in_child(runtime: &str, opts: &Options) -> f64 {
    let exe = std::env::current_exe().expect("cannot find the compare binary to re-run");
    watch(Some(format!("{RSS_ROW} on {runtime}")));
    let out = std::process::Command::new(exe)
        .args(["--rss-child", runtime])
        .args(["--rss-tasks", &opts.rss_tasks.to_string()])
        .args(["--workers", &opts.workers.to_string()])
        .output()
        .expect("cannot start the RSS child process");
    watch(None);
    let text = String::from_utf8_lossy(&out.stdout);
    match text.trim().parse::<f64>() {
        Ok(bytes) if out.status.success() => bytes,
        _ => panic!(
            "the RSS child for {runtime} failed ({}): {}{}",
            out.status,
            text,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The child side of [`rss_in_child`]: measure on a fresh runtime, print bytes, exit.
fn rss_child(runtime: &str, opts: &Options) -> ExitCode {
    let measured = match runtime {
        "magpie" => idle_task_peak_rss(&Magpie::build(opts.workers), opts.rss_tasks),
        "tokio" => idle_task_peak_rss(&Tokio::build(opts.workers), opts.rss_tasks),
        other => {
            eprintln!("compare: --rss-child takes `magpie` or `tokio`, got {other:?}");
            return ExitCode::from(2);
        }
    };
    match measured {
        Ok(bytes) => {
            println!("{bytes}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("compare: cannot read resident memory: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `workload` passes `--filter` and can run with the drivers `--drivers` chose
/// (without drivers only the scheduler workloads can).
fn runnable(workload: &Workload, opts: &Options) -> bool {
    opts.selects(workload.name()) && (opts.drivers || workload.family() == Family::Scheduler)
}

fn progress(row: &Row, (a, b): (&str, &str)) {
    eprintln!(
        " {a} {:>10}  {b} {:>10}  ratio {:.3}",
        report::human(row.a.median, row.unit),
        report::human(row.b.median, row.unit),
        row.ratio()
    );
}

/// One timed sample: prepares the workload (untimed), runs `batch` iterations, and returns
/// nanoseconds per iteration. Tearing down (stopping a busy set) is untimed too.
fn sample<R: BenchRuntime>(rt: &R, label: &str, workload: Workload, workers: usize) -> f64 {
    let mut routine = workload.prepare(rt, workers);
    let batch = workload.batch();
    watch(Some(format!("{workload} on {label}")));
    let start = Instant::now();
    for _ in 0..batch {
        routine();
    }
    let elapsed = start.elapsed();
    watch(None);
    drop(routine);
    elapsed.as_nanos() as f64 / f64::from(batch)
}

/// Bytes per idle task on a fresh runtime, dropped afterwards with its tasks.
fn memory<R: BenchRuntime>(opts: &Options) -> f64 {
    let rt = R::build(opts.workers);
    watch(Some(format!("{MEMORY_ROW} on {}", R::NAME)));
    let measured = idle_task_bytes(&rt, opts.memory_tasks);
    watch(None);
    drop(rt);
    measured.per_task()
}

/// The sample in progress and when it started, for the watchdog.
static CURRENT: Mutex<Option<(String, Instant)>> = Mutex::new(None);

fn watch(what: Option<String>) {
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = what.map(|w| (w, Instant::now()));
}

/// A thread that ends the process if one sample runs past [`HANG_LIMIT`]: a hung runtime
/// must fail the run with a message, not stall it.
fn start_watchdog() {
    std::thread::Builder::new()
        .name("compare-watchdog".into())
        .spawn(|| loop {
            std::thread::sleep(Duration::from_secs(1));
            let guard = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((what, since)) = guard.as_ref() {
                if since.elapsed() > HANG_LIMIT {
                    eprintln!(
                        "\ncompare: {what} has run for over {} s; the runtime looks hung",
                        HANG_LIMIT.as_secs()
                    );
                    std::process::exit(3);
                }
            }
        })
        .expect("failed to start the watchdog thread");
}
