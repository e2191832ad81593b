//! Command-line options of the `compare` binary.

use std::path::PathBuf;

/// Which two runtimes `compare` sets against each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pair {
    /// The real comparison: magpie in the first column, tokio in the second.
    MagpieVsTokio,
    /// An A/A run: two tokio runtimes. Any ratio away from 1.0 is noise.
    TokioVsTokio,
    /// An A/A run: two magpie runtimes.
    MagpieVsMagpie,
}

impl Pair {
    /// Column labels for the two sides, as they appear in the table and the CSV header.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Pair::MagpieVsTokio => ("magpie", "tokio"),
            Pair::TokioVsTokio => ("tokio_a", "tokio_b"),
            Pair::MagpieVsMagpie => ("magpie_a", "magpie_b"),
        }
    }
}

/// Parsed options.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// `--quick`: fewer samples, for a whole run in well under three minutes on 2 cores.
    pub quick: bool,
    /// `--csv`: print `workload,<a>_ns,<b>_ns,ratio` lines instead of a table.
    pub csv: bool,
    /// `--filter SUBSTR`: only workloads whose name contains it.
    pub filter: Option<String>,
    /// `--runs N`: timed samples per runtime and workload (their median is reported).
    pub runs: usize,
    /// `--warmup N`: untimed rounds before the samples.
    pub warmup: usize,
    /// `--workers N`: worker threads of every runtime.
    pub workers: usize,
    /// `--svg FILE`: also write a bar chart of the ratios.
    pub svg: Option<PathBuf>,
    /// `--aa tokio|magpie`: an A/A run instead of magpie vs tokio, to measure noise.
    pub pair: Pair,
    /// `--memory-tasks N`: idle tasks spawned for the `idle_task_bytes` row.
    pub memory_tasks: usize,
    /// `--rss-tasks N`: idle tasks spawned for the `idle_task_peak_rss` row.
    pub rss_tasks: usize,
    /// `--rss-child RUNTIME` (internal): measure the peak RSS of idle tasks on RUNTIME in
    /// this process, print the bytes, and exit. `compare` starts itself this way so each
    /// measurement gets a fresh process.
    pub rss_child: Option<String>,
    /// `--drivers all|none`: build both runtimes with `enable_all()` (the default) or with
    /// the scheduler alone; `none` runs only the scheduler workloads.
    pub drivers: bool,
    /// `--help`.
    pub help: bool,
}

/// Samples per runtime and workload by default.
pub const DEFAULT_RUNS: usize = 31;
/// Samples per runtime and workload with `--quick`.
pub const QUICK_RUNS: usize = 9;

/// The usage text.
pub const USAGE: &str = "\
usage: compare [OPTIONS]

Runs each workload on magpie and on tokio in one process, alternating which
runtime goes first, and reports the median of each and the ratio magpie/tokio
(below 1.0: magpie is better; for throughput rows, io_tcp_echo_*, the ratio is
tokio/magpie so that below 1.0 still means magpie is better). Progress goes to stderr,
results to stdout.

options:
  --quick            fewer samples (9 runs, 1 warm-up round)
  --csv              print CSV: workload,magpie_ns,tokio_ns,ratio
  --filter SUBSTR    only workloads whose name contains SUBSTR
  --runs N           timed samples per runtime and workload (default 31)
  --warmup N         untimed rounds first (default 3, 1 with --quick)
  --workers N        worker threads per runtime (default: MAGPIE_BENCH_WORKERS or 2)
  --svg FILE         write a bar chart of the ratios as SVG
  --drivers all|none both runtimes with enable_all() (default), or the scheduler alone
                     (none: only the scheduler workloads run)
  --aa RUNTIME       A/A noise check: RUNTIME (tokio or magpie) against itself
  --memory-tasks N   idle tasks for the idle_task_bytes row (default 100000)
  --rss-tasks N      idle tasks for the idle_task_peak_rss row (default 1000000)
  --help             this text
";

impl Options {
    /// Parses the arguments after the program name; `default_workers` applies when
    /// `--workers` is absent.
    pub fn parse<I>(args: I, default_workers: usize) -> Result<Options, String>
    where
        I: IntoIterator<Item = String>,
    {
        let mut opts = Options {
            quick: false,
            csv: false,
            filter: None,
            runs: 0,
            warmup: usize::MAX,
            workers: default_workers,
            svg: None,
            pair: Pair::MagpieVsTokio,
            memory_tasks: 100_000,
            rss_tasks: 1_000_000,
            rss_child: None,
            drivers: true,
            help: false,
        };
        let mut runs = None;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--quick" => opts.quick = true,
                "--csv" => opts.csv = true,
                "--help" | "-h" => opts.help = true,
                "--filter" => opts.filter = Some(value("--filter")?),
                "--runs" => runs = Some(positive("--runs", &value("--runs")?)?),
                "--warmup" => opts.warmup = count("--warmup", &value("--warmup")?)?,
                "--workers" => opts.workers = positive("--workers", &value("--workers")?)?,
                "--memory-tasks" => {
                    opts.memory_tasks = positive("--memory-tasks", &value("--memory-tasks")?)?
                }
                "--rss-tasks" => opts.rss_tasks = positive("--rss-tasks", &value("--rss-tasks")?)?,
                "--rss-child" => opts.rss_child = Some(value("--rss-child")?),
                "--drivers" => {
                    opts.drivers = match value("--drivers")?.as_str() {
                        "all" => true,
                        "none" => false,
                        other => {
                            return Err(format!("--drivers takes `all` or `none`, got {other:?}"))
                        }
                    }
                }
                "--svg" => opts.svg = Some(PathBuf::from(value("--svg")?)),
                "--aa" => {
                    opts.pair = match value("--aa")?.as_str() {
                        "tokio" => Pair::TokioVsTokio,
                        "magpie" => Pair::MagpieVsMagpie,
                        other => {
                            return Err(format!("--aa takes `tokio` or `magpie`, got {other:?}"))
                        }
                    }
                }
                _ => return Err(format!("unknown argument {arg:?} (see --help)")),
            }
        }
        opts.runs = runs.unwrap_or(if opts.quick { QUICK_RUNS } else { DEFAULT_RUNS });
        if opts.warmup == usize::MAX {
            opts.warmup = if opts.quick { 1 } else { 3 };
        }
        Ok(opts)
    }

    /// Whether the workload called `name` passes `--filter`.
    pub fn selects(&self, name: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| name.contains(f))
    }
}

fn count(flag: &str, s: &str) -> Result<usize, String> {
    s.trim()
        .parse::<usize>()
        .map_err(|_| format!("{flag} needs a non-negative integer, got {s:?}"))
}

fn positive(flag: &str, s: &str) -> Result<usize, String> {
    match count(flag, s) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag} needs a positive integer, got {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(|s| s.to_string()), 2)
    }

    #[test]
    fn defaults() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.runs, DEFAULT_RUNS);
        assert_eq!(o.warmup, 3);
        assert_eq!(o.workers, 2);
        assert_eq!(o.pair, Pair::MagpieVsTokio);
        assert!(!o.csv && !o.quick && o.svg.is_none() && o.filter.is_none());
        assert!(o.selects("anything"));
    }

    #[test]
    fn quick_lowers_runs_unless_given() {
        let o = parse(&["--quick"]).unwrap();
        assert_eq!((o.runs, o.warmup), (QUICK_RUNS, 1));
        let o = parse(&["--quick", "--runs", "4"]).unwrap();
        assert_eq!(o.runs, 4);
    }

    #[test]
    fn values_separate_or_inline() {
        let o = parse(&[
            "--filter",
            "spawn",
            "--workers=4",
            "--svg",
            "out.svg",
            "--warmup=0",
            "--csv",
        ])
        .unwrap();
        assert_eq!(o.filter.as_deref(), Some("spawn"));
        assert_eq!(o.workers, 4);
        assert_eq!(o.warmup, 0);
        assert_eq!(o.svg, Some(PathBuf::from("out.svg")));
        assert!(o.csv);
        assert!(o.selects("spawn_many_local"));
        assert!(!o.selects("ping_pong"));
    }

    #[test]
    fn aa_pairs() {
        assert_eq!(parse(&["--aa", "tokio"]).unwrap().pair, Pair::TokioVsTokio);
        assert_eq!(parse(&["--aa=magpie"]).unwrap().pair, Pair::MagpieVsMagpie);
        assert!(parse(&["--aa", "smol"]).unwrap_err().contains("\"smol\""));
    }

    #[test]
    fn drivers_all_or_none() {
        assert!(parse(&[]).unwrap().drivers);
        assert!(!parse(&["--drivers", "none"]).unwrap().drivers);
        assert!(parse(&["--drivers=all"]).unwrap().drivers);
        assert!(parse(&["--drivers", "some"])
            .unwrap_err()
            .contains("\"some\""));
    }

    #[test]
    fn mistakes_are_named() {
        assert!(parse(&["--runs", "0"]).unwrap_err().contains("--runs"));
        assert!(parse(&["--runs", "many"]).unwrap_err().contains("\"many\""));
        assert!(parse(&["--workers"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--frobnicate"])
            .unwrap_err()
            .contains("--frobnicate"));
    }
}
