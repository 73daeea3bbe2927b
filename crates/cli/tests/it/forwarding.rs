//! `listen --forward-to`: once a callback is acknowledged, the listener owns its delivery
//! (F3: forwarding forgot; F4: order and duplicates).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clever_kyc_core::KycStatusChanged;
use clever_kyc_core::callback::{KycStatus, KycStatusEntry};
use serde_json::Value;

use crate::durability::{Sender, burst_event};
use crate::spawn_listener;
use crate::store::{json_lines, stop, store_in_temp};

/// One request the target saw: the status it answered, the idempotency header, the body.
type Seen = (u16, String, Value);

/// A forward target on loopback that answers 500 while `failing`, 200 otherwise, and keeps
/// every request it saw in order.
struct Target {
    addr: SocketAddr,
    failing: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Target {
    fn start(failing: bool) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let failing = Arc::new(AtomicBool::new(failing));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (flag, log) = (Arc::clone(&failing), Arc::clone(&seen));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (flag, log) = (Arc::clone(&flag), Arc::clone(&log));
                std::thread::spawn(move || serve(stream, &flag, &log));
            }
        });
        Self {
            addr,
            failing,
            seen,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/events", self.addr)
    }

    /// The requests answered 200, in the order they arrived.
    fn taken(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(status, ..)| *status == 200)
            .cloned()
            .collect()
    }

    /// Waits until `count` requests were answered 200.
    fn wait_for_taken(&self, count: usize) -> Vec<Seen> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let taken = self.taken();
            if taken.len() >= count {
                return taken;
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {count} events were forwarded",
                taken.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn serve(mut stream: std::net::TcpStream, failing: &AtomicBool, log: &Mutex<Vec<Seen>>) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    loop {
        let (mut length, mut key) = (0usize, String::new());
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let lower = line.trim_end().to_ascii_lowercase();
            if lower.is_empty() {
                break;
            }
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if let Some(v) = lower.strip_prefix("clever-kyc-idempotency-key:") {
                key = v.trim().to_owned();
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let status = if failing.load(Ordering::SeqCst) {
            500
        } else {
            200
        };
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        log.lock().unwrap().push((status, key, body));
        if write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n").is_err() {
            return;
        }
    }
}

fn listen_forwarding(
    store: &str,
    target: &Target,
    value: &str,
) -> (std::process::Child, SocketAddr) {
    spawn_listener(&[
        "--store",
        store,
        "--auth",
        value,
        "--forward-to",
        &target.url(),
        "--forward-max-backoff",
        "1",
    ])
}

/// F3: the target fails past every Hello Clever retry and the listener restarts; every
/// acknowledged event still reaches the target once it recovers.
#[test]
fn events_acknowledged_while_the_target_failed_are_forwarded_after_a_restart() {
    let store = store_in_temp("forward-restart");
    let target = Target::start(true);
    let value = "Bearer forward-restart";
    let (listener, addr) = listen_forwarding(&store, &target, value);
    let mut sender = Sender::new(addr);
    for i in 0..10 {
        let body = serde_json::to_vec(&burst_event(i)).unwrap();
        assert_eq!(
            sender.post(value, &body),
            Some(200),
            "committed is acknowledged"
        );
    }
    // Hello Clever will not send them again; the listener dies (kill -9).
    std::thread::sleep(Duration::from_millis(500));
    stop(listener);
    let pending = json_lines(&["events", "--json", "--store", &store]);
    assert_eq!(pending.len(), 10);
    assert!(
        pending.iter().all(|e| e["forwarded_at"].is_null()),
        "{pending:?}"
    );

    target.failing.store(false, Ordering::SeqCst);
    let (listener, _) = listen_forwarding(&store, &target, value);
    let taken = target.wait_for_taken(10);
    // The target answered; the store notes each delivery just after.
    let deadline = Instant::now() + Duration::from_secs(10);
    while json_lines(&["events", "--json", "--store", &store])
        .iter()
        .any(|e| e["forwarded_at"].is_null())
    {
        assert!(Instant::now() < deadline, "deliveries were not recorded");
        std::thread::sleep(Duration::from_millis(50));
    }
    stop(listener);
    let mut keys: Vec<_> = taken.iter().map(|(_, key, _)| key.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 10, "each event once: {taken:?}");
    let events = json_lines(&["events", "--json", "--store", &store]);
    assert!(
        events
            .iter()
            .all(|e| e["forwarded_at"].is_string() && e["forward_attempts"].as_u64() >= Some(1)),
        "{events:?}"
    );
}

fn status_event(email: &str, status: KycStatus) -> KycStatusChanged {
    KycStatusChanged::new(email, vec![KycStatusEntry::new(status, None)])
}

/// F4: the target never sees `pending` after `approved` for one submission, and a
/// redelivery of a forwarded event is not forwarded again.
#[test]
fn one_submission_is_forwarded_in_commit_order_and_duplicates_are_not_forwarded() {
    let store = store_in_temp("forward-order");
    let target = Target::start(true);
    let value = "Bearer forward-order";
    let (listener, addr) = listen_forwarding(&store, &target, value);
    let mut sender = Sender::new(addr);
    let pending =
        serde_json::to_vec(&status_event("order@example.com", KycStatus::Pending)).unwrap();
    let approved =
        serde_json::to_vec(&status_event("order@example.com", KycStatus::Approved)).unwrap();
    assert_eq!(sender.post(value, &pending), Some(200));
    assert_eq!(sender.post(value, &approved), Some(200));
    // A redelivery of `pending` after `approved`, as Hello Clever's retries produce.
    assert_eq!(sender.post(value, &pending), Some(200));
    std::thread::sleep(Duration::from_millis(1500));
    target.failing.store(false, Ordering::SeqCst);
    let taken = target.wait_for_taken(2);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(sender.post(value, &approved), Some(200), "a late duplicate");
    std::thread::sleep(Duration::from_millis(1500));
    stop(listener);
    let order: Vec<_> = target
        .taken()
        .iter()
        .map(|(_, _, body)| body["latest_status"].as_str().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(order, ["pending", "approved"], "{taken:?}");
    // Every attempt, failed ones included, kept the order too.
    let attempts: Vec<_> = target
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, body)| body["latest_status"].as_str().unwrap_or("?").to_owned())
        .collect();
    let first_approved = attempts.iter().position(|s| s == "approved").unwrap();
    assert!(
        attempts[first_approved..].iter().all(|s| s == "approved"),
        "pending was posted after approved: {attempts:?}"
    );
}

/// F4 with replicas: two listeners on one store, each sent every callback at once; each
/// event reaches the target exactly once.
#[test]
fn two_replicas_forward_each_event_once() {
    let store = store_in_temp("forward-replicas");
    let target = Target::start(false);
    let value = "Bearer forward-replicas";
    let replicas = [
        listen_forwarding(&store, &target, value),
        listen_forwarding(&store, &target, value),
    ];
    let addrs: Vec<SocketAddr> = replicas.iter().map(|(_, addr)| *addr).collect();
    let threads: Vec<_> = addrs
        .iter()
        .map(|&addr| {
            let value = value.to_owned();
            std::thread::spawn(move || {
                let mut sender = Sender::new(addr);
                for i in 0..100 {
                    let body = serde_json::to_vec(&burst_event(1000 + i)).unwrap();
                    assert_eq!(sender.post(&value, &body), Some(200));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let taken = target.wait_for_taken(100);
    std::thread::sleep(Duration::from_millis(1500));
    for (child, _) in replicas {
        stop(child);
    }
    let taken_again = target.taken();
    assert_eq!(taken.len(), taken_again.len());
    let mut keys: Vec<_> = taken_again.iter().map(|(_, key, _)| key.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        (taken_again.len(), keys.len()),
        (100, 100),
        "duplicates forwarded with two replicas"
    );
}
