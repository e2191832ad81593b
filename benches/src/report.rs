//! Rendering `compare` results: a text table, CSV lines and an SVG bar chart of ratios.
//!
//! The SVG is written by hand (no plotting dependency): a diverging bar per row on a log2
//! axis centred on 1.0, so "twice as slow" and "twice as fast" are bars of equal length.

use std::fmt::Write;

use crate::stats::Summary;

/// What a row's numbers measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds per iteration.
    Nanos,
    /// Bytes (per idle task, or a process's resident-memory growth).
    Bytes,
    /// Throughput in bytes per second: here more is better, so [`Row::ratio`] inverts.
    BytesPerSec,
}

/// One line of results: a workload measured on both sides.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Workload name.
    pub name: String,
    /// What the numbers measure.
    pub unit: Unit,
    /// The first side (magpie in a real run).
    pub a: Summary,
    /// The second side (tokio in a real run).
    pub b: Summary,
}

impl Row {
    /// Below 1.0 the first side is better, whatever the unit: the first side's median over
    /// the second's for times and bytes, the second's over the first's for throughput
    /// (which is the first side's time over the second's for the same work).
    pub fn ratio(&self) -> f64 {
        match self.unit {
            Unit::BytesPerSec => self.b.median / self.a.median,
            Unit::Nanos | Unit::Bytes => self.a.median / self.b.median,
        }
    }
}

/// Formats a value of `unit` for people: `812 ns`, `1.23 ms`, `96 B`, `201.4 MiB`,
/// `1.52 GiB/s`.
pub fn human(value: f64, unit: Unit) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    const GIB: f64 = (1u64 << 30) as f64;
    match unit {
        Unit::Bytes if value.abs() < MIB => format!("{value:.0} B"),
        Unit::Bytes => format!("{:.1} MiB", value / MIB),
        Unit::BytesPerSec if value < GIB => format!("{:.1} MiB/s", value / MIB),
        Unit::BytesPerSec => format!("{:.2} GiB/s", value / GIB),
        Unit::Nanos if value < 1e3 => format!("{value:.0} ns"),
        Unit::Nanos if value < 1e6 => format!("{:.2} us", value / 1e3),
        Unit::Nanos if value < 1e9 => format!("{:.2} ms", value / 1e6),
        Unit::Nanos => format!("{:.2} s", value / 1e9),
    }
}

/// A plain-text table: medians, the ratio, and each side's spread (IQR / median).
pub fn table(rows: &[Row], labels: (&str, &str)) -> String {
    let (a, b) = labels;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:>12} {:>12} {:>8} {:>9} {:>9}",
        "workload",
        a,
        b,
        "ratio",
        format!("±{a}"),
        format!("±{b}")
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:<24} {:>12} {:>12} {:>8.3} {:>8.1}% {:>8.1}%",
            row.name,
            human(row.a.median, row.unit),
            human(row.b.median, row.unit),
            row.ratio(),
            row.a.spread_percent(),
            row.b.spread_percent()
        );
    }
    out
}

/// CSV: the header `workload,<a>_ns,<b>_ns,ratio`, then one line per row with integer
/// medians and the ratio to three decimals. Rows of other units keep the same columns: the
/// memory rows (`idle_task_bytes`, `idle_task_peak_rss`) hold bytes, the throughput rows
/// (`io_tcp_echo_*`) bytes per second, with the ratio inverted as in [`Row::ratio`].
pub fn csv(rows: &[Row], labels: (&str, &str)) -> String {
    let mut out = format!("workload,{}_ns,{}_ns,ratio\n", labels.0, labels.1);
    for row in rows {
        let _ = writeln!(
            out,
            "{},{:.0},{:.0},{:.3}",
            row.name,
            row.a.median,
            row.b.median,
            row.ratio()
        );
    }
    out
}

const WIDTH: f64 = 760.0;
const LEFT: f64 = 190.0;
const RIGHT: f64 = 90.0;
const TOP: f64 = 64.0;
const ROW_H: f64 = 26.0;
const BOTTOM: f64 = 40.0;

/// An SVG bar chart of each row's ratio on a log2 axis centred on 1.0; bars to the left
/// (green) mean the first side is better, bars to the right (red) that it is worse.
pub fn svg(rows: &[Row], labels: (&str, &str), subtitle: &str) -> String {
    let (a, b) = labels;
    let plot_w = WIDTH - LEFT - RIGHT;
    let height = TOP + ROW_H * rows.len() as f64 + BOTTOM;
    // Half-range of the axis in powers of two: at least 0.5x..2x, at most 1/16x..16x.
    let reach = rows
        .iter()
        .map(|r| r.ratio().log2().abs())
        .filter(|v| v.is_finite())
        .fold(1.0_f64, f64::max)
        .ceil()
        .min(4.0);
    let x_of = |ratio: f64| -> f64 {
        let l = ratio.log2().clamp(-reach, reach);
        LEFT + plot_w / 2.0 + l / reach * plot_w / 2.0
    };
    let center = x_of(1.0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="22" font-size="15" font-weight="bold" text-anchor="middle">{}</text>"#,
        WIDTH / 2.0,
        escape(&format!(
            "{a} / {b}, median ratio (log scale; left of 1 = {a} better)"
        ))
    );
    let _ = writeln!(
        out,
        r##"<text x="{}" y="40" text-anchor="middle" fill="#555555">{}</text>"##,
        WIDTH / 2.0,
        escape(subtitle)
    );
    // Grid lines and tick labels at powers of two.
    let axis_y = TOP + ROW_H * rows.len() as f64;
    for k in -(reach as i32)..=(reach as i32) {
        let ratio = 2f64.powi(k);
        let x = x_of(ratio);
        let stroke = if k == 0 { "#333333" } else { "#dddddd" };
        let _ = writeln!(
            out,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{axis_y:.1}" stroke="{stroke}"/>"#,
            TOP - 6.0
        );
        let label = if k >= 0 {
            format!("{}x", 1u32 << k)
        } else {
            format!("1/{}x", 1u32 << -k)
        };
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"#,
            axis_y + 16.0
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let ratio = row.ratio();
        let x = x_of(ratio);
        let (bar_x, bar_w) = if x < center {
            (x, center - x)
        } else {
            (center, x - center)
        };
        let fill = if ratio <= 1.0 { "#2e8b57" } else { "#c0392b" };
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 8.0,
            y + ROW_H / 2.0 + 4.0,
            escape(&row.name)
        );
        let _ = writeln!(
            out,
            r#"<rect x="{bar_x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}"><title>{}</title></rect>"#,
            y + 4.0,
            bar_w.max(1.0),
            ROW_H - 8.0,
            escape(&format!(
                "{}: {a} {} vs {b} {}",
                row.name,
                human(row.a.median, row.unit),
                human(row.b.median, row.unit)
            ))
        );
        // A bar clamped at the axis end says so, rather than understate the ratio.
        let off_scale = if ratio.log2().abs() > reach {
            " \u{25b8}"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}">{ratio:.2}x{off_scale}</text>"#,
            WIDTH - RIGHT + 10.0,
            y + ROW_H / 2.0 + 4.0
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Escapes text for SVG (XML) content and attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, a: f64, b: f64) -> Row {
        Row {
            name: name.into(),
            unit: Unit::Nanos,
            a: Summary::of(&[a]),
            b: Summary::of(&[b]),
        }
    }

    #[test]
    fn csv_has_the_exact_header_and_columns() {
        let rows = [
            row("ping_pong", 1500.4, 3000.0),
            row("yield_many", 2.0, 1.0),
        ];
        let text = csv(&rows, ("magpie", "tokio"));
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "workload,magpie_ns,tokio_ns,ratio",
                "ping_pong,1500,3000,0.500",
                "yield_many,2,1,2.000",
            ]
        );
    }

    #[test]
    fn human_units() {
        assert_eq!(human(812.0, Unit::Nanos), "812 ns");
        assert_eq!(human(1_234.0, Unit::Nanos), "1.23 us");
        assert_eq!(human(1_234_567.0, Unit::Nanos), "1.23 ms");
        assert_eq!(human(2.5e9, Unit::Nanos), "2.50 s");
        assert_eq!(human(96.4, Unit::Bytes), "96 B");
        assert_eq!(human(3.0 * 1048576.0, Unit::Bytes), "3.0 MiB");
        assert_eq!(human(1.5 * 1048576.0, Unit::BytesPerSec), "1.5 MiB/s");
        assert_eq!(human(2.0 * 1073741824.0, Unit::BytesPerSec), "2.00 GiB/s");
    }

    #[test]
    fn throughput_ratio_is_inverted_so_below_one_means_first_side_better() {
        let mut r = row("io_tcp_echo", 200.0, 100.0);
        assert_eq!(r.ratio(), 2.0);
        r.unit = Unit::BytesPerSec;
        // The first side moved twice the bytes per second: it is better, so below 1.
        assert_eq!(r.ratio(), 0.5);
    }

    #[test]
    fn table_lists_every_row() {
        let rows = [row("a_workload", 1.0, 2.0), row("b_workload", 3.0, 3.0)];
        let text = table(&rows, ("magpie", "tokio"));
        assert_eq!(text.lines().count(), 3);
        assert!(text.lines().next().unwrap().contains("magpie"));
        assert!(text.contains("a_workload") && text.contains("0.500"));
    }

    #[test]
    fn svg_draws_one_bar_per_row_in_the_right_direction() {
        let rows = [row("faster", 1.0, 2.0), row("slower", 4.0, 1.0)];
        let text = svg(&rows, ("magpie", "tokio"), "2 workers");
        assert!(text.starts_with("<svg "));
        assert!(text.trim_end().ends_with("</svg>"));
        // One background rect plus one bar per row.
        assert_eq!(text.matches("<rect ").count(), 3);
        assert!(text.contains("#2e8b57") && text.contains("#c0392b"));
        // The axis reaches 4x (the slower row) and its mirror 1/4x.
        assert!(text.contains(">4x<") && text.contains(">1/4x<"));
        assert!(text.contains(">0.50x<") && text.contains(">4.00x<"));
        // Bars start at the 1.0 line: the faster bar ends there, the slower starts there.
        let center = LEFT + (WIDTH - LEFT - RIGHT) / 2.0;
        assert!(text.contains(&format!(r#"x="{center:.1}" y="{:.1}""#, TOP + ROW_H + 4.0)));
    }

    #[test]
    fn svg_marks_ratios_beyond_the_axis() {
        let rows = [row("way_slower", 100.0, 1.0), row("even", 1.0, 1.0)];
        let text = svg(&rows, ("magpie", "tokio"), "");
        assert!(text.contains(">16x<") && !text.contains(">32x<"));
        assert!(text.contains(">100.00x \u{25b8}<"));
        assert!(text.contains(">1.00x<"));
    }

    #[test]
    fn svg_escapes_text() {
        let rows = [row("a<b>&\"c\"", 1.0, 1.0)];
        let text = svg(&rows, ("magpie", "tokio"), "x & y");
        assert!(text.contains("a&lt;b&gt;&amp;&quot;c&quot;"));
        assert!(text.contains("x &amp; y"));
        assert!(!text.contains("a<b>"));
    }
}
