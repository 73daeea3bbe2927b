//! Loopback benchmarks as JSON on stdout. Needs `CLEVER_KYC_BIN` (the release `clever-kyc`)
//! and `BARE_LISTENER_BIN` for the listener comparison; `--quick` for a smoke run.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use clever_kyc_benches::fixtures::{APP_ID, AUTH, SECRET};
use clever_kyc_benches::loopback::{Submitters, interleaved, peak_rss_kib, throughput};
use clever_kyc_core::Credentials;
use clever_kyc_mock::{BlockingMockServer, MockConfig};
use serde_json::json;

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
        let (requests, rounds) = if quick { (2_000, 1) } else { (20_000, 5) };
        // Alternate the two servers over several rounds and compare medians, so neither
        // always runs first or alone through a burst of noise.
        let (mut sdk_rps, mut bare_rps, mut sdk_rss, mut bare_rss) = (Vec::new(), Vec::new(), 0, 0);
        for _ in 0..rounds {
            let sdk = runtime.block_on(listener_load(
                &mut Command::new(&listener_bin),
                true,
                requests,
            ));
            let bare =
                runtime.block_on(listener_load(&mut Command::new(&bare_bin), false, requests));
            sdk_rps.push(sdk.0);
            bare_rps.push(bare.0);
            sdk_rss = sdk_rss.max(sdk.1);
            bare_rss = bare_rss.max(bare.1);
        }
        rows.push(json!({"case": "listener_throughput_rps", "sdk": median(sdk_rps), "baseline": median(bare_rps), "baseline_name": "bare axum handler"}));
        rows.push(json!({"case": "listener_peak_rss_kib", "sdk": sdk_rss, "baseline": bare_rss, "baseline_name": "bare axum handler"}));
    }
    println!("{}", serde_json::Value::from(rows));
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
    rows.push(json!({"case": "submit_latency_async_us", "sdk": sdk, "baseline": raw, "baseline_name": "raw reqwest"}));
    let (sdk, raw) = interleaved(
        sequential,
        || submitters.sdk_blocking(),
        || submitters.raw_ureq(),
    );
    rows.push(json!({"case": "submit_latency_blocking_us", "sdk": sdk, "baseline": raw, "baseline_name": "raw ureq"}));

    for concurrency in [1usize, 16, 64] {
        // Alternate over several rounds and take medians, as for the listener.
        let (mut sdk_rps, mut raw_rps) = (Vec::new(), Vec::new());
        for _ in 0..THROUGHPUT_ROUNDS {
            let (s1, s2) = (submitters.clone(), submitters.clone());
            let (sdk, raw) = runtime.block_on(async {
                let raw = throughput(load, concurrency, move || {
                    let s = s2.clone();
                    async move { s.raw_reqwest().await }
                })
                .await;
                let sdk = throughput(load, concurrency, move || {
                    let s = s1.clone();
                    async move { s.sdk_async().await }
                })
                .await;
                (sdk, raw)
            });
            sdk_rps.push(sdk);
            raw_rps.push(raw);
        }
        rows.push(json!({"case": format!("submit_throughput_async_c{concurrency}_rps"), "sdk": median(sdk_rps), "baseline": median(raw_rps), "baseline_name": "raw reqwest"}));
    }
}

/// Rounds per throughput figure.
const THROUGHPUT_ROUNDS: usize = 5;

/// Starts a receiver process, sends `requests` callbacks at concurrency 32, and returns
/// (requests per second, peak RSS in KiB).
async fn listener_load(command: &mut Command, is_sdk: bool, requests: usize) -> (f64, u64) {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    if is_sdk {
        command.args([
            "listen",
            "--bind",
            &addr.to_string(),
            "--auth",
            AUTH,
            "--json",
        ]);
    } else {
        command.arg(addr.to_string());
    }
    let mut child: Child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the receiver");
    while std::net::TcpStream::connect(addr).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let client = clever_kyc_async::safe_reqwest_builder(&Default::default())
        .expect("tls")
        .build()
        .expect("client");
    let body = bytes_of_event();
    let url = format!("http://{addr}/kyc/callback");
    let rps = throughput(requests, 32, move || {
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        async move {
            client
                .post(url)
                .header("authorization", AUTH)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    let peak = peak_rss_kib(child.id()).unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();
    (rps, peak)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn bytes_of_event() -> Vec<u8> {
    clever_kyc_core::documented::KYC_STATUS_CHANGED
        .as_bytes()
        .to_vec()
}
