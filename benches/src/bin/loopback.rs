//! Loopback benchmarks as JSON on stdout. Needs `CLEVER_KYC_BIN` (the release `clever-kyc`)
//! and `BARE_LISTENER_BIN` (the hand-written listener, `bare_listener`) for the listener
//! comparison; `--quick` for a smoke run. Every round alternates which side runs first, and
//! each row carries its per-round ratios so the spread can be reported.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clever_kyc_benches::ab::median;
use clever_kyc_benches::cases::Target;
use clever_kyc_benches::end_to_end;
use clever_kyc_benches::fixtures::{APP_ID, AUTH, SECRET};
use clever_kyc_benches::listener::{self, Backing};
use clever_kyc_benches::loopback::{Submitters, interleaved, throughput};
use clever_kyc_benches::report::row;
use clever_kyc_core::Credentials;
use clever_kyc_mock::{BlockingMockServer, MockConfig};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let listener_only = std::env::args().any(|a| a == "--listener-only");
    let (sequential, load) = if quick { (200, 1_000) } else { (2_000, 8_000) };
    let mock = BlockingMockServer::start(MockConfig::new(
        Credentials::new(APP_ID, SECRET).expect("valid"),
    ))
    .expect("mock");
    let submitters = Arc::new(Submitters::new(&mock.base_url()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    if !listener_only {
        submit_rows(&runtime, &submitters, sequential, load, &mut rows);
    }
    if let (Ok(listener_bin), Ok(bare_bin)) = (
        std::env::var("CLEVER_KYC_BIN"),
        std::env::var("BARE_LISTENER_BIN"),
    ) {
        listener_rows(&runtime, &listener_bin, &bare_bin, quick, &mut rows);
    }
    if let (Ok(cli), Ok(bare), Ok(raw_submit)) = (
        std::env::var("CLEVER_KYC_BIN"),
        std::env::var("BARE_LISTENER_BIN"),
        std::env::var("RAW_SUBMIT_BIN"),
    ) {
        cold_start_rows(&mock.base_url(), &cli, &bare, &raw_submit, quick, &mut rows);
        let programs = end_to_end::Programs {
            cli,
            bare_listener: bare,
            raw_submit,
        };
        end_to_end_rows(&programs, quick, &mut rows);
    }
    println!("{}", serde_json::Value::from(rows));
}

/// Submission to committed callback through the real binaries, p50 and p99, through a
/// simulator that delivers `pending` at once (the wait is then all SDK or hand-written work,
/// process start included).
fn end_to_end_rows(
    programs: &end_to_end::Programs,
    quick: bool,
    rows: &mut Vec<serde_json::Value>,
) {
    let mut config = MockConfig::new(Credentials::new(APP_ID, SECRET).expect("valid"));
    config.delivery.first_delay = Duration::ZERO;
    let mock = BlockingMockServer::start(config).expect("mock");
    let samples = if quick { 40 } else { 400 };
    for (submitter, label, name) in [
        (
            end_to_end::Submitter::Process,
            "",
            "raw_submit (reqwest) + hand-written axum listener, the same INSERT",
        ),
        (
            end_to_end::Submitter::in_process(&mock.base_url()),
            "_in_process",
            "raw reqwest client + hand-written axum listener, the same INSERT",
        ),
    ] {
        eprintln!("loopback: end to end{label}, {samples} samples a side");
        let (sdk, hand) = end_to_end::measure(programs, &submitter, &mock.base_url(), samples);
        // A quantile of each quarter of the samples, for a spread (the tail of one run moves
        // with whatever else the shared machine does).
        let quarters = |values: &[f64], q: f64| {
            values
                .chunks(values.len().div_ceil(4).max(1))
                .map(|chunk| end_to_end::quantile(chunk, q))
                .collect::<Vec<_>>()
        };
        rows.push(row(
            &format!("end_to_end{label}_p50_ms"),
            end_to_end::quantile(&sdk, 0.5),
            end_to_end::quantile(&hand, 0.5),
            name,
            "ms",
            &ratios(&quarters(&sdk, 0.5), &quarters(&hand, 0.5)),
            None,
        ));
        rows.push(row(
            &format!("end_to_end{label}_p99_ms"),
            end_to_end::quantile(&sdk, 0.99),
            end_to_end::quantile(&hand, 0.99),
            name,
            "ms",
            &ratios(&quarters(&sdk, 0.99), &quarters(&hand, 0.99)),
            Some(Target::AtMost(1.10)),
        ));
    }
}

/// Process start to the first accepted callback (listener) and to the first accepted submit
/// (client and TLS set-up included), SDK and hand-written alternating which goes first.
fn cold_start_rows(
    base_url: &str,
    cli: &str,
    bare: &str,
    raw_submit: &str,
    quick: bool,
    rows: &mut Vec<serde_json::Value>,
) {
    let rounds = if quick { 3 } else { 9 };
    let (mut sdk_listen, mut hand_listen, mut sdk_submit, mut hand_submit) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let listen = |is_sdk: bool| first_callback_ms(if is_sdk { cli } else { bare }, is_sdk);
        let submit = |is_sdk: bool| {
            let token = clever_kyc_benches::loopback::fresh_token();
            let mut command = Command::new(if is_sdk { cli } else { raw_submit });
            if is_sdk {
                command
                    .args(["submit", "--email", "bench@example.com", "--token", &token])
                    .args(["--base-url", base_url])
                    .env("HELLO_CLEVER_APP_ID", APP_ID)
                    .env("HELLO_CLEVER_SECRET_KEY", SECRET);
            } else {
                command.args([base_url, token.as_str()]);
            }
            let started = Instant::now();
            let status = command
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run the submitter");
            assert!(status.success(), "the cold submit was not accepted");
            started.elapsed().as_secs_f64() * 1000.0
        };
        let sdk_first = round % 2 == 0;
        let (s, h) = if sdk_first {
            let s = listen(true);
            (s, listen(false))
        } else {
            let h = listen(false);
            (listen(true), h)
        };
        sdk_listen.push(s);
        hand_listen.push(h);
        let (s, h) = if sdk_first {
            let s = submit(true);
            (s, submit(false))
        } else {
            let h = submit(false);
            (submit(true), h)
        };
        sdk_submit.push(s);
        hand_submit.push(h);
    }
    rows.push(row(
        "cold_start_first_callback_ms",
        median(&sdk_listen),
        median(&hand_listen),
        "hand-written axum listener",
        "ms",
        &ratios(&sdk_listen, &hand_listen),
        None,
    ));
    rows.push(row(
        "cold_start_first_submit_ms",
        median(&sdk_submit),
        median(&hand_submit),
        "one-shot raw reqwest program",
        "ms",
        &ratios(&sdk_submit, &hand_submit),
        None,
    ));
}

/// Starts a listener and sends one callback until it is answered 200; the time from spawn.
fn first_callback_ms(bin: &str, is_sdk: bool) -> f64 {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let mut command = Command::new(bin);
    if is_sdk {
        command.args([
            "listen",
            "--bind",
            &addr.to_string(),
            "--store",
            "memory",
            "--auth",
            AUTH,
        ]);
    } else {
        command.args([addr.to_string().as_str(), AUTH]);
    }
    let body = bytes_of_event();
    let request = [
        format!(
            "POST /kyc/callback HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {AUTH}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes(),
        body,
    ]
    .concat();
    let started = Instant::now();
    let mut child: Child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the listener");
    let elapsed = loop {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the listener never answered"
        );
        let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
            std::thread::sleep(Duration::from_millis(1));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut answer = [0u8; 12];
        if stream.write_all(&request).is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && answer.ends_with(b"200")
        {
            break started.elapsed();
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    elapsed.as_secs_f64() * 1000.0
}

/// Latency and throughput of the SDK clients against raw reqwest and raw ureq.
fn submit_rows(
    runtime: &tokio::runtime::Runtime,
    submitters: &Arc<Submitters>,
    sequential: usize,
    load: usize,
    rows: &mut Vec<serde_json::Value>,
) {
    // Sequential latency: each call driven to completion before the next.
    let (sdk, raw) = interleaved(
        sequential,
        || runtime.block_on(submitters.sdk_async()),
        || runtime.block_on(submitters.raw_reqwest()),
    );
    rows.push(row(
        "submit_latency_async_us",
        sdk,
        raw,
        "raw reqwest",
        "µs",
        &[],
        Some(Target::AtMost(1.05)),
    ));
    let (sdk, raw) = interleaved(
        sequential,
        || submitters.sdk_blocking(),
        || submitters.raw_ureq(),
    );
    rows.push(row(
        "submit_latency_blocking_us",
        sdk,
        raw,
        "raw ureq",
        "µs",
        &[],
        Some(Target::AtMost(1.05)),
    ));

    for concurrency in [1usize, 16, 64] {
        // Alternate over several rounds and take medians, as for the listener.
        let (mut sdk_rps, mut raw_rps) = (Vec::new(), Vec::new());
        for round in 0..THROUGHPUT_ROUNDS {
            let (s1, s2) = (submitters.clone(), submitters.clone());
            let sdk_side = || {
                let s1 = s1.clone();
                throughput(load, concurrency, move || {
                    let s = s1.clone();
                    async move { s.sdk_async().await }
                })
            };
            let raw_side = || {
                let s2 = s2.clone();
                throughput(load, concurrency, move || {
                    let s = s2.clone();
                    async move { s.raw_reqwest().await }
                })
            };
            // Each round starts with the other side.
            let (sdk, raw) = runtime.block_on(async {
                if round % 2 == 0 {
                    let sdk = sdk_side().await;
                    (sdk, raw_side().await)
                } else {
                    let raw = raw_side().await;
                    (sdk_side().await, raw)
                }
            });
            sdk_rps.push(sdk);
            raw_rps.push(raw);
        }
        // ≤ 1.05× the raw client's time per request is ≥ 1/1.05 of its throughput.
        rows.push(row(
            &format!("submit_throughput_async_c{concurrency}_rps"),
            median(&sdk_rps),
            median(&raw_rps),
            "raw reqwest",
            "req/s",
            &ratios(&sdk_rps, &raw_rps),
            Some(Target::AtLeast(1.0 / 1.05)),
        ));
    }
}

/// Rounds per throughput figure.
const THROUGHPUT_ROUNDS: usize = 6;

/// The listener against the hand-written one on each backing: throughput and peak RSS.
fn listener_rows(
    runtime: &tokio::runtime::Runtime,
    cli: &str,
    bare: &str,
    quick: bool,
    rows: &mut Vec<serde_json::Value>,
) {
    for (backing, target, what) in [
        (
            Backing::Memory,
            0.95,
            "HashSet of SHA-256 keys, distinct events",
        ),
        (
            Backing::MemoryDuplicates,
            0.95,
            "HashSet of SHA-256 keys, one body repeated",
        ),
        (
            Backing::Sqlite,
            2.5,
            "a commit per request: INSERT ON CONFLICT DO NOTHING, WAL, synchronous=FULL, off the async workers",
        ),
        (
            Backing::Redis,
            0.90,
            "SET NX and XADD in one Lua script, pooled connections, off the async workers",
        ),
    ] {
        // Every store write is a durable commit: fewer requests, the same alternation.
        let (requests, rounds) = match (backing, quick) {
            (Backing::Memory | Backing::MemoryDuplicates, false) => (20_000, 6),
            (Backing::Memory | Backing::MemoryDuplicates, true) => (2_000, 3),
            (_, false) => (3_000, 4),
            (_, true) => (600, 2),
        };
        let name =
            format!("hand-written axum listener (auth ==, derived struct, {what}, a JSON line)");
        let suffix = match backing {
            Backing::Memory => String::new(),
            other => format!("_{}", other.name()),
        };
        eprintln!("loopback: listener on {}", backing.name());
        let (sdk, hand) = listener::compare(runtime, (cli, true), bare, backing, requests, rounds);
        listener_figures(
            &sdk,
            &hand,
            &format!("listener{suffix}"),
            &name,
            target,
            rows,
        );
        if backing == Backing::Sqlite {
            fsync_row(runtime, cli, bare, requests, &name, rows);
        }
        // The route as a merchant embeds it, without the command around it.
        if backing == Backing::Memory
            && let Ok(library) = std::env::var("SDK_LISTENER_BIN")
        {
            eprintln!("loopback: the library route, served");
            let (sdk, hand) =
                listener::compare(runtime, (&library, false), bare, backing, requests, rounds);
            listener_figures(&sdk, &hand, "listener_library", &name, target, rows);
        }
    }
}

/// Sync calls per accepted callback on SQLite at 32 concurrent, counted by `strace` on one
/// run of each side. The target (at most 0.2) is on the SDK's own figure, not on a ratio:
/// the hand-written listener is there to show what one commit per request costs.
fn fsync_row(
    runtime: &tokio::runtime::Runtime,
    cli: &str,
    bare: &str,
    requests: usize,
    name: &str,
    rows: &mut Vec<serde_json::Value>,
) {
    eprintln!("loopback: fsyncs per callback on sqlite, under strace");
    let traced = |bin: &str, is_cli: bool| {
        runtime
            .block_on(listener::run(bin, is_cli, Backing::Sqlite, requests, true))
            .fsyncs_per_request
    };
    // A row left out would hide the figure the target is on: a missing strace fails the run.
    let (Some(sdk), Some(hand)) = (traced(cli, true), traced(bare, false)) else {
        panic!(
            "strace could not attach to the listener: install strace and run as a user allowed to ptrace"
        );
    };
    eprintln!(
        "loopback: fsyncs per callback: SDK {sdk:.3} (target at most 0.2), hand-written {hand:.3}"
    );
    rows.push(row(
        "listener_sqlite_fsyncs_per_callback",
        sdk,
        hand,
        name,
        "fsync/callback",
        &[sdk / hand],
        None,
    ));
}

/// The rows of one listener comparison: throughput, CPU per callback, peak RSS.
fn listener_figures(
    sdk: &[listener::Run],
    hand: &[listener::Run],
    case: &str,
    name: &str,
    target: f64,
    rows: &mut Vec<serde_json::Value>,
) {
    let series = |runs: &[listener::Run], of: fn(&listener::Run) -> f64| {
        runs.iter().map(of).collect::<Vec<_>>()
    };
    let rss = |runs: &[listener::Run]| runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
    let (sdk_rps, hand_rps) = (series(sdk, |r| r.rps), series(hand, |r| r.rps));
    rows.push(row(
        &format!("{case}_throughput_rps"),
        median(&sdk_rps),
        median(&hand_rps),
        name,
        "req/s",
        &ratios(&sdk_rps, &hand_rps),
        Some(Target::AtLeast(target)),
    ));
    let cpu = |r: &listener::Run| r.cpu_us_per_request;
    let (sdk_cpu, hand_cpu) = (series(sdk, cpu), series(hand, cpu));
    rows.push(row(
        &format!("{case}_cpu_us_per_request"),
        median(&sdk_cpu),
        median(&hand_cpu),
        name,
        "µs",
        &ratios(&sdk_cpu, &hand_cpu),
        None,
    ));
    rows.push(row(
        &format!("{case}_peak_rss_kib"),
        rss(sdk) as f64,
        rss(hand) as f64,
        name,
        "KiB",
        &[],
        Some(Target::AtMost(1.3)),
    ));
}

/// The per-round ratios of two series of the same length.
fn ratios(sdk: &[f64], baseline: &[f64]) -> Vec<f64> {
    sdk.iter().zip(baseline).map(|(s, b)| s / b).collect()
}

fn bytes_of_event() -> Vec<u8> {
    clever_kyc_core::documented::KYC_STATUS_CHANGED
        .as_bytes()
        .to_vec()
}
