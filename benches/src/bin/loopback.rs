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

    // Sequential latency, async: each call driven to completion before the next.
    let (sdk, raw) = interleaved(
        sequential,
        || runtime.block_on(submitters.sdk_async()),
        || runtime.block_on(submitters.raw_reqwest()),
    );
    rows.push(json!({"case": "submit_latency_async_us", "sdk": sdk, "baseline": raw, "baseline_name": "raw reqwest", "lower_is_better": true}));
    let (sdk, raw) = interleaved(
        sequential,
        || submitters.sdk_blocking(),
        || submitters.raw_ureq(),
    );
    rows.push(json!({"case": "submit_latency_blocking_us", "sdk": sdk, "baseline": raw, "baseline_name": "raw ureq", "lower_is_better": true}));

    for concurrency in [1usize, 16, 64] {
        let (s1, s2) = (submitters.clone(), submitters.clone());
        let (sdk, raw) = runtime.block_on(async {
            // Alternate order to share the warm-up and drift.
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
        rows.push(json!({"case": format!("submit_throughput_async_c{concurrency}_rps"), "sdk": sdk, "baseline": raw, "baseline_name": "raw reqwest", "lower_is_better": false}));
    }

    if let (Ok(listener_bin), Ok(bare_bin)) = (
        std::env::var("CLEVER_KYC_BIN"),
        std::env::var("BARE_LISTENER_BIN"),
    ) {
        let requests = if quick { 2_000 } else { 20_000 };
        let sdk = runtime.block_on(listener_load(
            &mut Command::new(&listener_bin),
            true,
            requests,
        ));
        let bare = runtime.block_on(listener_load(&mut Command::new(&bare_bin), false, requests));
        rows.push(json!({"case": "listener_throughput_rps", "sdk": sdk.0, "baseline": bare.0, "baseline_name": "bare axum handler", "lower_is_better": false}));
        rows.push(json!({"case": "listener_peak_rss_kib", "sdk": sdk.1, "baseline": bare.1, "baseline_name": "bare axum handler", "lower_is_better": true}));
    }
    println!("{}", serde_json::Value::from(rows));
}

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

fn bytes_of_event() -> Vec<u8> {
    clever_kyc_core::documented::KYC_STATUS_CHANGED
        .as_bytes()
        .to_vec()
}
