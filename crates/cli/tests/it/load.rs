//! The simulator delivering to the real listener under load: nothing lost, every duplicate
//! flagged, memory steady. CI runs a small version; `LOAD_SUBMISSIONS=5000 cargo test -p
//! clever-kyc-cli --release --test it load -- --nocapture` runs the 10 000-callback one.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clever_kyc_async::{
    Client, clever_kyc_core::Credentials, clever_kyc_core::Environment,
    clever_kyc_core::KycSubmission, clever_kyc_core::config::BaseUrl,
};
use clever_kyc_mock::{DeliverySchedule, MockConfig, MockServer, TokenOutcome};
use serde_json::Value;

use crate::{proc_status_kib, spawn_listener};

const AUTH: &str = "Bearer load-test";

#[test]
fn the_listener_loses_nothing_and_flags_every_duplicate_under_load() {
    let submissions: usize = std::env::var("LOAD_SUBMISSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let concurrency = 64;
    let (mut listener, addr) = spawn_listener(&["--auth", AUTH]);
    let pid = listener.id();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = BufReader::new(listener.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let credentials = Credentials::new("load-app", "load-secret").unwrap();
    let mut config = MockConfig::new(credentials.clone());
    config.delivery = DeliverySchedule {
        first_delay: Duration::from_millis(1),
        final_delay: Duration::from_millis(1),
        repeat_delivered: 1,
        ..DeliverySchedule::fast()
    };
    let started = Instant::now();
    let rss_start = proc_status_kib(pid, "VmRSS:");
    let mock = runtime.block_on(async {
        let mock = MockServer::start(config).await.unwrap();
        let client = Arc::new(
            Client::new(
                Environment::Custom(BaseUrl::parse(&mock.base_url()).unwrap()),
                credentials,
            )
            .unwrap(),
        );
        let callback = format!("http://{addr}/kyc/callback");
        let workers: Vec<_> = (0..concurrency)
            .map(|w| {
                let (client, mock, callback) = (client.clone(), mock.clone(), callback.clone());
                tokio::spawn(async move {
                    for i in (w..submissions).step_by(concurrency) {
                        let outcome = if i % 2 == 0 {
                            TokenOutcome::Approved
                        } else {
                            TokenOutcome::Rejected
                        };
                        let submission = KycSubmission::builder()
                            .email(format!("load{i}@example.com"))
                            .token(mock.issue_token(outcome))
                            .webhook(callback.clone(), AUTH)
                            .build()
                            .unwrap();
                        client.submit(&submission).await.unwrap();
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.unwrap();
        }
        mock
    });

    // Two callbacks per submission (pending, final), each delivered twice.
    let expected_unique = submissions * 2;
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let (mut unique, mut duplicates) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut rss_mid = 0;
    while unique < expected_unique || duplicates < expected_unique {
        let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            break;
        };
        let event: Value = serde_json::from_str(&line).unwrap();
        let key = event["idempotency_key"].as_str().unwrap().to_owned();
        let entry = seen.entry(key).or_default();
        if event["duplicate"] == true {
            duplicates += 1;
            entry.1 += 1;
        } else {
            unique += 1;
            entry.0 += 1;
        }
        if unique == expected_unique / 2 && rss_mid == 0 {
            rss_mid = proc_status_kib(pid, "VmRSS:");
        }
    }
    let elapsed = started.elapsed();
    let (rss_end, rss_peak) = (
        proc_status_kib(pid, "VmRSS:"),
        proc_status_kib(pid, "VmHWM:"),
    );
    let deliveries = runtime
        .block_on(
            mock.wait_for_deliveries(Duration::from_secs(10), |d| d.len() >= expected_unique * 2),
        )
        .1;
    let failed = deliveries.iter().filter(|d| !d.delivered).count();
    listener.kill().unwrap();
    let _ = listener.wait();

    println!(
        "load: {submissions} submissions, {} callbacks delivered ({unique} unique, {duplicates} duplicates flagged), \
{failed} failed delivery attempts, {:.1} s, listener RSS start/mid/end/peak {rss_start}/{rss_mid}/{rss_end}/{rss_peak} KiB",
        deliveries.len(),
        elapsed.as_secs_f64()
    );
    assert_eq!(unique, expected_unique, "callbacks lost");
    assert_eq!(duplicates, expected_unique, "duplicates not flagged");
    assert!(
        seen.values()
            .all(|&(first, again)| first == 1 && again == 1),
        "an event was marked inconsistently"
    );
    assert_eq!(failed, 0, "the listener refused a delivery");
}
