//! `submit --store`, `events` and `status` against the simulator and a real listener.

use std::process::Child;
use std::time::{Duration, Instant};

use clever_kyc_core::Credentials;
use clever_kyc_mock::{BlockingMockServer, DeliverySchedule, MockConfig};
use serde_json::Value;

use crate::durability::Sender;
use crate::{APP_ID, SECRET, clever_kyc, free_addr, run, spawn_listener};

fn simulator() -> BlockingMockServer {
    let mut config = MockConfig::new(Credentials::new(APP_ID, SECRET).unwrap());
    config.delivery = DeliverySchedule::fast();
    BlockingMockServer::start(config).unwrap()
}

pub(crate) fn store_in_temp(name: &str) -> String {
    let dir =
        std::env::temp_dir().join(format!("clever-kyc-store-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite:{}", dir.join("kyc.db").display())
}

fn submit(
    mock: &BlockingMockServer,
    store: &str,
    listener: &str,
    email: &str,
    token: &str,
    extra: &[&str],
) -> (i32, Value) {
    let (code, stdout, stderr) = run(clever_kyc()
        .args(["submit", "--json", "--email", email, "--token", token])
        .args([
            "--webhook-url",
            &format!("http://{listener}/kyc"),
            "--store",
            store,
        ])
        .args(["--base-url", &mock.base_url()])
        .args(extra));
    let json = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("{stdout}\n{stderr}"));
    (code, json)
}

pub(crate) fn json_lines(args: &[&str]) -> Vec<Value> {
    let (code, stdout, stderr) = run(clever_kyc().args(args));
    assert_eq!(code, 0, "{stderr}");
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn wait_for_events(store: &str, email: &str, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let events = json_lines(&["events", "--json", "--store", store, "--email", email]);
        if events.len() >= count {
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "only {} events arrived: {events:?}",
            events.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_resubmission_after_a_rejection_stores_both_cycles_and_ends_approved() {
    let mock = simulator();
    let store = store_in_temp("resubmit");
    let (listener, addr) = spawn_listener(&["--store", &store]);
    let email = "again@example.com";

    let (code, first) = submit(
        &mock,
        &store,
        &addr.to_string(),
        email,
        "rejected-first",
        &[],
    );
    assert_eq!(code, 0, "{first}");
    let first_id = first["submission_id"].as_str().unwrap().to_owned();
    wait_for_events(&store, email, 2);

    let (code, second) = submit(
        &mock,
        &store,
        &addr.to_string(),
        email,
        "approved-second",
        &[],
    );
    assert_eq!(code, 0, "{second}");
    let second_id = second["submission_id"].as_str().unwrap().to_owned();
    assert_ne!(first_id, second_id);
    let events = wait_for_events(&store, email, 4);
    stop(listener);

    let pendings: Vec<_> = events
        .iter()
        .filter(|e| e["latest_status"] == "pending")
        .map(|e| e["submission_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        pendings,
        [first_id.as_str(), second_id.as_str()],
        "both cycles' pending are stored"
    );
    assert!(
        events
            .iter()
            .all(|e| e["deliveries"] == 1 && e["received_at"].is_string())
    );

    // The store named by the environment, as a deployment would set it.
    let (code, stdout, stderr) = run(clever_kyc()
        .env("CLEVER_KYC_STORE", &store)
        .args(["status", "--json", "--email", email]));
    assert_eq!(code, 0, "{stderr}");
    let statuses: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert_eq!(statuses[0]["submission_id"], first_id.as_str());
    assert_eq!(statuses[0]["latest_status"], "rejected");
    assert_eq!(statuses[1]["submission_id"], second_id.as_str());
    assert_eq!(
        statuses[1]["latest_status"], "approved",
        "the final status is approved"
    );
}

#[test]
fn a_refused_submission_removes_its_registration_and_an_accepted_one_keeps_it() {
    let mock = simulator();
    let store = store_in_temp("refused");
    let (listener, addr) = spawn_listener(&["--store", &store]);
    let refused_value = "Bearer refused-submission-value";
    let accepted_value = "Bearer accepted-submission-value";
    let (code, refused) = submit(
        &mock,
        &store,
        &addr.to_string(),
        "r@example.com",
        "expired-x",
        &["--webhook-auth", refused_value],
    );
    assert_eq!(code, 3, "{refused}");
    assert_eq!(refused["submission_id"], Value::Null);
    let (code, accepted) = submit(
        &mock,
        &store,
        &addr.to_string(),
        "a@example.com",
        "approved-y",
        &["--webhook-auth", accepted_value],
    );
    assert_eq!(code, 0, "{accepted}");
    assert!(
        accepted["submission_id"]
            .as_str()
            .unwrap()
            .starts_with("sub_")
    );

    let body = serde_json::to_vec(&crate::durability::burst_event(1)).unwrap();
    let mut sender = Sender::new(addr);
    assert_eq!(
        sender.post(refused_value, &body),
        Some(401),
        "no longer registered"
    );
    assert_eq!(
        sender.post(accepted_value, &body),
        Some(200),
        "registered before sending"
    );
    stop(listener);
}

#[test]
fn bad_store_options_exit_2_and_nothing_is_sent() {
    let mock = simulator();
    let listener = free_addr().to_string();
    let cases: [(&str, &str); 4] = [
        ("ftp://stores.example", "unknown store"),
        ("memory", "--store memory lives inside one `listen` process"),
        (
            "sqlite:/proc/no-such-dir/kyc.db",
            "could not open the sqlite store",
        ),
        ("redis://127.0.0.1:1", "could not open the redis store"),
    ];
    for (store, expected) in cases {
        let (code, stdout, stderr) = run(clever_kyc()
            .args([
                "submit",
                "--email",
                "a@example.com",
                "--token",
                "approved-z",
            ])
            .args([
                "--webhook-url",
                &format!("http://{listener}/kyc"),
                "--store",
                store,
            ])
            .args(["--base-url", &mock.base_url()]));
        assert_eq!(code, 2, "{store}: {stdout}{stderr}");
        assert!(stderr.contains(expected), "{store}: {stderr}");
    }
    assert!(mock.requests().is_empty(), "nothing was sent");
    for args in [
        &["events", "--store", "sqlite:/no/such/file.db"][..],
        &["status", "--email", "a@example.com", "--store", "memory"][..],
        &["events", "--store", "redis://127.0.0.1:1"][..],
    ] {
        let (code, _, stderr) = run(clever_kyc().args(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    assert!(!std::path::Path::new("/no/such/file.db").exists());
}

#[test]
fn a_generated_authorization_value_is_never_printed() {
    let mock = simulator();
    let store = store_in_temp("generated");
    let (listener, addr) = spawn_listener(&["--store", &store]);
    let (code, stdout, stderr) = run(clever_kyc()
        .args([
            "submit",
            "--email",
            "g@example.com",
            "--token",
            "approved-g",
        ])
        .args([
            "--webhook-url",
            &format!("http://{addr}/kyc"),
            "--store",
            &store,
        ])
        .args(["--base-url", &mock.base_url()]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("submission sub_"), "{stdout}");
    assert!(
        !stdout.contains("Bearer") && !stderr.contains("Bearer"),
        "{stdout}{stderr}"
    );
    // The simulator echoed the generated value and the listener traced it to the submission.
    let events = wait_for_events(&store, "g@example.com", 2);
    let id = stdout
        .split_whitespace()
        .find(|w| w.starts_with("sub_"))
        .unwrap()
        .trim_end_matches(':');
    assert!(
        events.iter().all(|e| e["submission_id"] == id),
        "{events:?}"
    );
    stop(listener);
}
