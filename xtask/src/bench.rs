//! `cargo xtask bench [--quick]`: runs every benchmark and writes BENCHMARKS.md with each
//! figure beside its baseline from the same run, the ratio, and the target.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One compared figure.
struct Row {
    case: String,
    sdk: f64,
    baseline: f64,
    baseline_name: String,
    unit: String,
    /// The ratio in each pass or round, when there were several.
    ratios: Vec<f64>,
    /// The bound on sdk / baseline, and whether it is an upper (true) or lower bound.
    target: Option<(f64, bool)>,
}

impl Row {
    /// The median of the per-pass ratios, or the ratio of the figures.
    fn ratio(&self) -> f64 {
        if self.ratios.is_empty() {
            return self.sdk / self.baseline;
        }
        let mut sorted = self.ratios.clone();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        if sorted.len().is_multiple_of(2) {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        } else {
            sorted[mid]
        }
    }

    fn spread(&self) -> String {
        let min = self.ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let max = self
            .ratios
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        if self.ratios.len() < 2 {
            "—".to_owned()
        } else {
            format!("{min:.3} – {max:.3} ({} runs)", self.ratios.len())
        }
    }

    /// By how much the median ratio misses the target (0 when it meets it).
    fn shortfall(&self) -> f64 {
        match self.target {
            None => 0.0,
            Some((limit, true)) => (self.ratio() - limit).max(0.0),
            Some((limit, false)) => (limit - self.ratio()).max(0.0),
        }
    }

    fn verdict(&self) -> &'static str {
        match (self.target, self.shortfall()) {
            (None, _) => "(no target)",
            // "Within noise" would need the medians of three full runs on both sides of the
            // target; one run cannot show that, so a median past the target is a miss.
            (_, 0.0) => "met",
            _ => "MISSED",
        }
    }
}

/// Where cargo puts build output: `CARGO_TARGET_DIR` when set.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        })
        .unwrap_or_else(|| root.join("target"))
}

pub(crate) fn run(root: &Path, quick: bool) -> Result<(), String> {
    let target = target_dir(root);
    crate::run(Command::new("cargo").args([
        "build",
        "--release",
        "-p",
        "clever-kyc-benches",
        "--bins",
        "-p",
        "clever-kyc-cli",
    ]))?;
    let release = target.join("release");
    // The CPU cases: both sides in alternating batches in one process (see benches/src/ab.rs).
    let mut ab = Command::new(release.join("ab"));
    if quick {
        ab.arg("--quick");
    }
    let ab = output(&mut ab)?;
    let allocs = output(&mut Command::new(release.join("allocs")))?;
    // Reads against stores of 1,000 to 1,000,000 events (starts its own redis-server).
    let mut growth = Command::new(release.join("growth"));
    if quick {
        growth.arg("--quick");
    }
    let growth = output(&mut growth)?;
    let mut loopback = Command::new(release.join("loopback"));
    loopback
        .env("CLEVER_KYC_BIN", release.join("clever-kyc"))
        .env("BARE_LISTENER_BIN", release.join("bare_listener"))
        .env("SDK_LISTENER_BIN", release.join("sdk_listener"))
        .env("RAW_SUBMIT_BIN", release.join("raw_submit"));
    if quick {
        loopback.arg("--quick");
    }
    let loopback = output(&mut loopback)?;

    let mut rows = rows_of(&ab)?;
    rows.extend(rows_of(&growth)?);
    rows.extend(rows_of(&loopback)?);
    let binary_kib = fs::metadata(release.join("clever-kyc"))
        .map(|m| m.len() / 1024)
        .map_err(|e| format!("the release binary: {e}"))?;
    let alloc_table = alloc_table(&allocs)?;
    let report = render(&rows, &alloc_table, binary_kib, quick);
    print!("{report}");
    if quick {
        eprintln!("xtask: --quick printed its figures; BENCHMARKS.md is written by full runs only");
    } else {
        fs::write(root.join("BENCHMARKS.md"), &report)
            .map_err(|e| format!("BENCHMARKS.md: {e}"))?;
    }
    let failed: Vec<String> = rows
        .iter()
        .filter(|r| r.verdict() == "MISSED")
        .map(|r| format!("{} ({:.3})", r.case, r.ratio()))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "missed their targets (median past the target): {}",
            failed.join(", ")
        ))
    }
}

fn output(command: &mut Command) -> Result<serde_json::Value, String> {
    eprintln!("xtask: running {command:?}");
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{command:?} printed no JSON: {e}"))
}

/// The rows a benchmark binary printed (see `benches/src/report.rs`).
fn rows_of(json: &serde_json::Value) -> Result<Vec<Row>, String> {
    let items = json.as_array().ok_or("a benchmark printed no list")?;
    items
        .iter()
        .map(|item| {
            let case = item["case"].as_str().unwrap_or_default().to_owned();
            let target = match (
                item["target"]["at_most"].as_f64(),
                item["target"]["at_least"].as_f64(),
            ) {
                (Some(limit), _) => Some((limit, true)),
                (None, Some(limit)) => Some((limit, false)),
                (None, None) => None,
            };
            Ok(Row {
                sdk: item["sdk"]
                    .as_f64()
                    .ok_or(format!("{case}: no sdk figure"))?,
                baseline: item["baseline"]
                    .as_f64()
                    .ok_or(format!("{case}: no baseline"))?,
                baseline_name: item["baseline_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                unit: item["unit"].as_str().unwrap_or_default().to_owned(),
                ratios: item["ratios"]
                    .as_array()
                    .map(|r| r.iter().filter_map(serde_json::Value::as_f64).collect())
                    .unwrap_or_default(),
                case,
                target,
            })
        })
        .collect()
}

fn alloc_table(json: &serde_json::Value) -> Result<String, String> {
    let mut out = String::from(
        "| case | variant | allocations per call | bytes allocated per call |\n|---|---|---:|---:|\n",
    );
    for item in json.as_array().ok_or("allocs printed no list")? {
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.0} |",
            item["case"].as_str().unwrap_or_default(),
            item["variant"].as_str().unwrap_or_default(),
            item["allocs"].as_f64().unwrap_or(f64::NAN),
            item["bytes"].as_f64().unwrap_or(f64::NAN)
        );
    }
    Ok(out)
}

/// What profiling found for a figure that misses its target.
fn analysis(case: &str) -> &'static str {
    match case {
        case if case.starts_with("parse_callback") => {
            "the SDK reads the API's variants (`\"null\"` strings as absent, enum words in any casing, unknown \
words kept) through its own visitors, and allocates less than the derived struct (17 against 23 allocations on \
the documented record), yet the visitor calls cost about what the saved allocations save: on the documented \
record it is within ±10% of the derived struct, and reading `Value` costs the documented record's 24 map keys \
as owned strings in B-trees, which is 1.7 to 2.1 times the derived struct across runs. To halve `Value` on \
a record this small the SDK would have to beat a derived struct by 10%. Measured: the tolerant text fields cost about 5% \
over plain `Option<String>` while they looked at each value twice (`deserialize_option`, then \
`deserialize_str`); reading them in one dispatch took the documented record from 1.10 to between 0.95 and \
1.03 (full run and quick runs), and the large one below 1.00. The rest is the enum words and the checks for \
the API's spellings of nothing. What it would take is a hand-written `Deserialize` for the whole record (one visitor, keys matched on borrowed text, \
duplicate keys refused as the derive refuses them), not yet written."
        }
        "listener_peak_rss_kib" | "listener_library_peak_rss_kib" => {
            "with distinct events the memory store keeps each whole event (up to 100,000, with its \
status history), where the hand-written listener keeps a 32-byte digest: the RSS grows with every event the \
run sends (20,000 here), on top of the binary's own pages (see the duplicates row, where both sides keep one \
event). What it would take: a memory store that keeps digests and each submission's latest status, bounded in \
bytes (issue 25, item 3), not yet written."
        }
        "listener_sqlite_throughput_rps" => {
            "group commit holds: the `listener_sqlite_fsyncs_per_callback` row counts about one fsync \
per eight callbacks against one per callback by hand, and the SDK spends about half the hand-written \
listener's CPU per callback. The gap to 2.5 moves with the run (quick runs measured 2.55 to 2.90, this full \
run's rounds 1.9 to 2.5): the 32 client connections, the listener and the load generator share 2 cores, and \
the hand-written listener's own rate moved between runs. Not yet profiled further; the load generator in a \
process of its own (issue 25, item 2) is the next step."
        }
        "listener_redis_throughput_rps" => {
            "the baseline is now one atomic script (`SET NX` and `XADD`). The SDK's script does more in \
the same round trip: it keeps each submission's latest status, counts redeliveries and enqueues the event \
in the forwarding outbox, which the hand-written listener does not have. Not yet profiled further."
        }
        case if case.starts_with("listener") && case.ends_with("peak_rss_kib") => {
            "the difference is the `clever-kyc` binary's own pages: it carries the simulator, both transports, \
both stores and the command (11 MB of code against about 3 MB), and `/proc/PID/smaps` of an idle `listen \
--store memory` shows 4.7 MB of file-backed pages resident against 0.9 MB anonymous (the embedded route: 1.7 MB \
and 0.2 MB). The library route served by a binary of its own (`listener_library_peak_rss_kib`) is the figure a \
merchant embedding the SDK pays. What it would take for the command: a listener binary apart from the simulator \
and the demo."
        }
        case if case.starts_with("listener") && case.ends_with("throughput_rps") => {
            "the load generator shares the 2 cores with the listener, so the listener's own CPU per callback \
(the `cpu_us_per_request` row, from /proc/PID/stat, 10 ms ticks) is the steadier figure. In process, the \
SDK's route costs 0.82 to 0.86 of the hand-written route over three full runs (`listener_route` above, now \
that receivers hash with the CPU's SHA extensions); the command adds its standard-output guarantee: lines go through a writer thread, so that a stuck \
reader can never block a request task, and with the memory store a line is acknowledged only once flushed, \
which is two thread hand-offs per callback the hand-written listener (which writes on the request task) does not \
make. On SQLite and Redis the SDK also keeps each submission's latest status in the same transaction or script, \
and counts redeliveries. What it would take: batching the writer's acknowledgements across tasks, not dropping \
the guarantee."
        }
        case if case.starts_with("end_to_end") => {
            "through the real binaries the gap is process start: `clever-kyc submit` is one binary with the \
whole command (`perf stat`: 6.0 ms of CPU per run against 4.0 ms for `raw_submit`, with the same system calls \
and 495 page faults against 376); with long-lived clients in one process (`end_to_end_in_process`), as a \
service submits, the SDK pair is within the spread of the hand-written one at p50. The listener's share is in \
the `listener_sqlite` rows. The p99 rows are the median of the four quarters' p99 ratios; a tail on this \
shared 2-core machine, with five processes taking turns, moves between full runs (the in-process p99 was 1.11 in \
one run and 1.49 in the next, the process p99 1.26 and 1.10). What it would take: a smaller submitting binary, \
and a quieter machine for the tail."
        }
        case if case.starts_with("submit_throughput_async")
            || case.starts_with("submit_latency") =>
        {
            "client and simulator share the 2 cores, so the SDK's per-request work shows (validating the \
submission, building the request, classifying the answer: a few µs in the CPU benchmarks above); the per-round \
spread shows how far a single round moves on this shared machine."
        }
        _ => "not yet profiled.",
    }
}

/// A measured figure: three decimals below 10 (a fraction of an fsync per callback must not
/// print as 0.1), one above.
fn figure(value: f64) -> String {
    if value.abs() < 10.0 {
        format!("{value:.3}")
    } else {
        format!("{value:.1}")
    }
}

fn shell(command: &str) -> String {
    Command::new("sh")
        .args(["-c", command])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn render(rows: &[Row], allocs: &str, binary_kib: u64, quick: bool) -> String {
    let mut out = String::from("# Benchmarks\n\n");
    let _ = writeln!(
        out,
        "- command: `cargo xtask bench{}`",
        if quick { " --quick" } else { "" }
    );
    let _ = writeln!(out, "- date: {}", shell("date -u '+%Y-%m-%d %H:%M UTC'"));
    let _ = writeln!(
        out,
        "- machine: {} cores, {}, {}",
        shell("nproc"),
        shell("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        shell("rustc --version")
    );
    let _ = writeln!(
        out,
        "- method: every SDK figure is measured in the same process run as its baseline, which is what a \
competent engineer writes (checked by tests to produce the same output); naive baselines are extra rows labelled \
naive. CPU figures: both sides run in one process in batches of about 3 ms that alternate within each \
round (A B A B, the order flipped every round; 21 rounds, 7 in --quick); the figures are the median time per call, \
the ratio the median of the per-round ratios, with their spread (min – max). Loopback latencies are medians of \
calls alternating one by one; throughputs are medians of rounds that alternate which \
side runs first, with the per-round spread. A median ratio past its target is MISSED and fails `cargo xtask bench`; \
a quick run's figures are not recorded."
    );
    let _ = writeln!(out, "- `clever-kyc` release binary: {binary_kib} KiB\n");
    out.push_str("| case | SDK | baseline | baseline is | ratio (median) | spread | target | verdict |\n|---|---:|---:|---|---:|---|---|---|\n");
    for row in rows {
        let target = match row.target {
            None => "—".to_owned(),
            Some((limit, true)) => format!("≤ {limit:.2}"),
            Some((limit, false)) => format!("≥ {limit:.2}"),
        };
        let _ = writeln!(
            out,
            "| {} | {} {} | {} {} | {} | {:.3} | {} | {} | {} |",
            row.case,
            figure(row.sdk),
            row.unit,
            figure(row.baseline),
            row.unit,
            row.baseline_name,
            row.ratio(),
            row.spread(),
            target,
            row.verdict()
        );
    }
    let missed: Vec<&Row> = rows.iter().filter(|r| r.shortfall() > 0.0).collect();
    if !missed.is_empty() {
        out.push_str("\n## What falls short\n\n");
        for row in missed {
            let _ = writeln!(
                out,
                "- **{}** ({:.3}): {}",
                row.case,
                row.ratio(),
                analysis(&row.case)
            );
        }
    }
    out.push_str("\n## Allocations\n\n");
    out.push_str(allocs);
    out
}
