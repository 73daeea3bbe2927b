//! `cargo xtask bench [--quick]`: runs every benchmark and writes BENCHMARKS.md with each
//! figure beside its baseline from the same run, the ratio, and the target.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;

/// One compared figure.
struct Row {
    case: String,
    sdk: f64,
    baseline: f64,
    baseline_name: String,
    unit: &'static str,
    /// The bound on sdk / baseline, and whether it is an upper (true) or lower bound.
    target: Option<(f64, bool)>,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.sdk / self.baseline
    }

    fn verdict(&self) -> &'static str {
        match self.target {
            None => "(no target)",
            Some((limit, at_most)) => {
                let ok = if at_most {
                    self.ratio() <= limit
                } else {
                    self.ratio() >= limit
                };
                if ok { "met" } else { "MISSED" }
            }
        }
    }
}

pub(crate) fn run(root: &Path, quick: bool) -> Result<(), String> {
    let criterion_args: &[&str] = if quick {
        &[
            "--warm-up-time",
            "0.2",
            "--measurement-time",
            "0.5",
            "--sample-size",
            "10",
        ]
    } else {
        &["--warm-up-time", "1", "--measurement-time", "3"]
    };
    // Noise on a shared machine only ever adds time, and criterion measures each variant's
    // samples back to back: several passes, keeping each variant's best median, stop a burst
    // from landing on one side of a ratio.
    let passes = if quick { 1 } else { PASSES };
    for pass in 1..=passes {
        crate::run(
            Command::new("cargo")
                .args(["bench", "-p", "clever-kyc-benches", "--bench", "core", "--"])
                .args(criterion_args)
                .args(["--save-baseline", &format!("pass{pass}")]),
        )?;
    }
    crate::run(Command::new("cargo").args([
        "build",
        "--release",
        "-p",
        "clever-kyc-benches",
        "--bins",
        "-p",
        "clever-kyc-cli",
    ]))?;
    let release = root.join("target/release");
    let allocs = output(&mut Command::new(release.join("allocs")))?;
    let mut loopback = Command::new(release.join("loopback"));
    loopback
        .env("CLEVER_KYC_BIN", release.join("clever-kyc"))
        .env("BARE_LISTENER_BIN", release.join("bare_listener"));
    if quick {
        loopback.arg("--quick");
    }
    let loopback = output(&mut loopback)?;

    let mut rows = cpu_rows(root, passes)?;
    rows.extend(loopback_rows(&loopback)?);
    let alloc_table = alloc_table(&allocs)?;
    let report = render(&rows, &alloc_table, quick);
    print!("{report}");
    fs::write(root.join("BENCHMARKS.md"), report).map_err(|e| format!("BENCHMARKS.md: {e}"))
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

/// Criterion passes in a full run.
const PASSES: u32 = 3;

/// The best of the passes' medians of a criterion benchmark, in nanoseconds.
fn criterion_median(root: &Path, group: &str, function: &str, passes: u32) -> Result<f64, String> {
    let mut best = f64::INFINITY;
    for pass in 1..=passes {
        let path = root
            .join("target/criterion")
            .join(group)
            .join(function)
            .join(format!("pass{pass}/estimates.json"));
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let median = json["median"]["point_estimate"]
            .as_f64()
            .ok_or_else(|| format!("{}: no median", path.display()))?;
        best = best.min(median);
    }
    Ok(best)
}

fn cpu_rows(root: &Path, passes: u32) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mut add = |group: &str,
                   baseline: &str,
                   baseline_name: &str,
                   target: Option<(f64, bool)>|
     -> Result<(), String> {
        rows.push(Row {
            case: group.to_owned(),
            sdk: criterion_median(root, group, "sdk", passes)?,
            baseline: criterion_median(root, group, baseline, passes)?,
            baseline_name: baseline_name.to_owned(),
            unit: "ns",
            target,
        });
        Ok(())
    };
    add(
        "build_request",
        "hand_written",
        "json! + Request::builder()",
        Some((1.0, true)),
    )?;
    for status in ["200", "401", "422"] {
        add(
            &format!("parse_response_{status}"),
            "hand_written",
            "derived serde structs",
            None,
        )?;
    }
    for name in ["documented", "large"] {
        let group = format!("parse_callback_{name}");
        add(&group, "value", "serde_json::Value", Some((0.5, true)))?;
        add(&group, "hand_written", "derived struct", Some((1.1, true)))?;
    }
    add(
        "verify_parse_callback",
        "hand_written",
        "== on the header + derived struct",
        None,
    )?;
    add(
        "receive_registered",
        "one_registered",
        "the SDK with 1 registered value (SDK column: 1,000,000)",
        Some((1.5, true)),
    )?;
    Ok(rows)
}

fn loopback_rows(json: &serde_json::Value) -> Result<Vec<Row>, String> {
    let items = json.as_array().ok_or("loopback printed no list")?;
    items
        .iter()
        .map(|item| {
            let case = item["case"].as_str().unwrap_or_default().to_owned();
            let (unit, target) = if case.starts_with("submit_latency") {
                ("µs", Some((1.05, true)))
            } else if case.starts_with("submit_throughput") {
                // ≤ 1.05× the raw client's time per request is ≥ 1/1.05 of its throughput.
                ("req/s", Some((1.0 / 1.05, false)))
            } else if case == "listener_throughput_rps" {
                ("req/s", Some((0.9, false)))
            } else {
                ("KiB", None)
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
                case,
                unit,
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
        "listener_throughput_rps" => {
            "profiled with callgrind on the real `clever-kyc listen` (3 000 keep-alive callbacks): per request the \
listener authenticates (0.14 µs), parses (1.5 µs, the same as a derived serde struct, see parse_callback above), \
serializes the canonical JSON once and hashes it for the idempotency key (~0.9 µs), marks duplicates and prints a \
JSON line; the bare handler answers 200 without reading the body. Fixes made from the profile: the event is \
serialized once for both the key and the printed line, the key is a `[u8; 32]` formatted from a table, lines are \
written in batches (0.73 before; 0.83 to 0.98 over later full runs). On 2 cores shared with the load generator, the remaining ~3 µs of necessary \
work per request is the gap; answering 200 before validating would hide bad events from a retrying sender, so it \
is not traded away."
        }
        "submit_latency_async_us" => {
            "the SDK's own work per call (validating the submission, building and copying the request, \
classifying the answer) measures under 3 µs in the CPU benchmarks above, under 4% of a loopback round trip; across \
runs on this shared machine the ratio has ranged from 0.97 to 1.13, so a miss here is within the noise of the \
round trip rather than a cost found in a profile."
        }
        case if case.starts_with("submit_throughput_async") => {
            "CPU-bound: client and simulator share the 2 cores, so the SDK's per-request work shows (validating \
the submission, building the request, classifying the answer: under 3 µs in the CPU benchmarks above). Found \
and fixed: the async client converted the endpoint URI to a reqwest Url on every attempt (a string allocation and \
a URL parse); it now parses it once. Across runs on this shared machine the ratio has ranged from 0.92 to 1.12 at \
the same commit."
        }
        _ => "not yet profiled.",
    }
}

fn shell(command: &str) -> String {
    Command::new("sh")
        .args(["-c", command])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn render(rows: &[Row], allocs: &str, quick: bool) -> String {
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
    out.push_str(
        "- method: every SDK figure is measured in the same run as its baseline and reported as a ratio; \
CPU figures are the best of three criterion passes' medians (noise only adds time); loopback latencies are \
medians of calls alternating one by one; throughputs are medians of five rounds alternating SDK and baseline. The machine is shared and noisy: read the ratios, not the absolute numbers. Ratios near a target move by up to about ±0.08 between full runs on this machine (the listener measured 0.83 to 0.98 and the c16 throughput 0.92 to 1.12 over this commit and the ones just before it): read a verdict near the line with that in mind.\n\n",
    );
    out.push_str("| case | SDK | baseline | baseline is | ratio (SDK / baseline) | target | verdict |\n|---|---:|---:|---|---:|---|---|\n");
    for row in rows {
        let target = match row.target {
            None => "—".to_owned(),
            Some((limit, true)) => format!("≤ {limit:.2}"),
            Some((limit, false)) => format!("≥ {limit:.2}"),
        };
        let _ = writeln!(
            out,
            "| {} | {:.1} {} | {:.1} {} | {} | {:.3} | {} | {} |",
            row.case,
            row.sdk,
            row.unit,
            row.baseline,
            row.unit,
            row.baseline_name,
            row.ratio(),
            target,
            row.verdict()
        );
    }
    let missed: Vec<&Row> = rows.iter().filter(|r| r.verdict() == "MISSED").collect();
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
