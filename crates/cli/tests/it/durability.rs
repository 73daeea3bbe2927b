//! An acknowledgement is a promise: kill -9 or SIGTERM `listen` mid-burst and every callback
//! that got 200 is in the store; two replicas on one Redis record each event once.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use clever_kyc_core::{
    Email, KycStatus, KycStatusChanged, callback::KycStatusEntry, callback::Registration,
    callback::SubmissionId,
};
use clever_kyc_receive::testing::RedisServer;
use clever_kyc_receive::{
    EventFilter, EventLog, IssuedSubmission, StoreLocation,
    clever_kyc_core::callback::IdempotencyKey,
};

use crate::{clever_kyc, free_addr, wait_for_port};

/// One keep-alive connection that POSTs callbacks and reads the status of each answer.
pub(crate) struct Sender {
    addr: SocketAddr,
    stream: Option<TcpStream>,
}

impl Sender {
    pub(crate) fn new(addr: SocketAddr) -> Self {
        Self { addr, stream: None }
    }

    /// The status, or `None` when the connection failed (the listener is gone).
    pub(crate) fn post(&mut self, authorization: &str, body: &[u8]) -> Option<u16> {
        for _ in 0..2 {
            if self.stream.is_none() {
                let stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).ok()?;
                stream
                    .set_read_timeout(Some(Duration::from_secs(20)))
                    .ok()?;
                stream.set_nodelay(true).ok()?;
                self.stream = Some(stream);
            }
            match self.exchange(authorization, body) {
                Some(status) => return Some(status),
                None => self.stream = None, // a keep-alive connection closed: retry once fresh
            }
        }
        None
    }

    fn exchange(&mut self, authorization: &str, body: &[u8]) -> Option<u16> {
        let stream = self.stream.as_mut()?;
        let head = format!(
            "POST /kyc HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        // One write: a head and a body in two segments would meet delayed ACKs.
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        stream.write_all(&request).ok()?;
        let mut reader = BufReader::new(stream.try_clone().ok()?);
        let mut status_line = String::new();
        if reader.read_line(&mut status_line).ok()? == 0 {
            return None;
        }
        let status = status_line.split_whitespace().nth(1)?.parse().ok()?;
        let mut length = 0usize;
        let mut close = false;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).ok()?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().ok()?;
            }
            if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            }
        }
        let mut rest = vec![0u8; length];
        reader.read_exact(&mut rest).ok()?;
        if close {
            self.stream = None;
        }
        Some(status)
    }
}

/// The i-th distinct event of a burst.
pub(crate) fn burst_event(i: usize) -> KycStatusChanged {
    let mut event = KycStatusChanged::new(
        format!("burst-{i}@example.com"),
        vec![KycStatusEntry::new(KycStatus::Pending, None)],
    );
    event.first_name = Some(format!("Contact {i}"));
    event
}

fn spawn_listen(addr: SocketAddr, store: &str) -> Child {
    let mut child = clever_kyc()
        .args([
            "listen",
            "--bind",
            &addr.to_string(),
            "--json",
            "--store",
            store,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut child);
    // Read stdout so that printing never slows the listener down.
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || std::io::copy(&mut BufReader::new(stdout), &mut std::io::sink()));
    child
}

/// Registers one submission in `store` and returns its Authorization value.
fn register(location: &str) -> (String, SubmissionId) {
    let store = location.parse::<StoreLocation>().unwrap().open().unwrap();
    let issued = IssuedSubmission::generate(
        &Email::parse("burst@example.com").unwrap(),
        SystemTime::now(),
        Registration::DEFAULT_RETENTION,
    )
    .unwrap();
    issued.register_in(store.as_ref()).unwrap();
    (
        issued.authorization.expose_secret().to_owned(),
        issued.submission_id,
    )
}

/// Sends a 5,000-callback burst from 4 threads, stops the listener with `stop` once a
/// third is acknowledged, and returns the indexes answered 200.
fn burst_then(addr: SocketAddr, auth: &str, child: &mut Child, stop: &str) -> HashSet<usize> {
    const TOTAL: usize = 5_000;
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let gone = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (acked, gone, auth) = (Arc::clone(&acked), Arc::clone(&gone), auth.to_owned());
            std::thread::spawn(move || {
                let mut sender = Sender::new(addr);
                for i in (t..TOTAL).step_by(4) {
                    let body = serde_json::to_vec(&burst_event(i)).unwrap();
                    match sender.post(&auth, &body) {
                        Some(200) => {
                            acked.lock().unwrap().insert(i);
                        }
                        Some(503) | None if gone.load(Ordering::SeqCst) => break,
                        Some(503) => {}
                        other => panic!("callback {i}: unexpected answer {other:?}"),
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < TOTAL / 3 {
        assert!(Instant::now() < deadline, "the burst did not get going");
        std::thread::sleep(Duration::from_millis(5));
    }
    gone.store(true, Ordering::SeqCst);
    let status = std::process::Command::new("kill")
        .args([stop, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for thread in threads {
        thread.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() < TOTAL,
        "the stop came too late to test anything"
    );
    acked
}

fn keys_in(location: &str) -> HashSet<IdempotencyKey> {
    let store = location
        .parse::<StoreLocation>()
        .unwrap()
        .open_existing()
        .unwrap();
    store
        .events(&EventFilter::all())
        .unwrap()
        .into_iter()
        .map(|e| e.idempotency_key)
        .collect()
}

fn key_of(i: usize, submission: &SubmissionId) -> IdempotencyKey {
    IdempotencyKey::scoped(Some(submission), &burst_event(i).canonical_json())
}

/// The whole scenario on one store: stop mid-burst, check, restart, redeliver.
fn nothing_acknowledged_is_lost(location: &str, stop: &str) {
    let (auth, submission) = register(location);
    let addr = free_addr();
    let mut child = spawn_listen(addr, location);
    let acked = burst_then(addr, &auth, &mut child, stop);
    let status = child.wait().unwrap();
    if stop == "-TERM" {
        assert_eq!(status.code(), Some(0), "SIGTERM exits 0");
    }
    let stored = keys_in(location);
    let lost: Vec<_> = acked
        .iter()
        .filter(|&&i| !stored.contains(&key_of(i, &submission)))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged callbacks lost: {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );

    // The restarted listener takes the redeliveries as duplicates.
    let addr = free_addr();
    let mut child = spawn_listen(addr, location);
    let mut sender = Sender::new(addr);
    for &i in acked.iter().take(500) {
        let body = serde_json::to_vec(&burst_event(i)).unwrap();
        assert_eq!(sender.post(&auth, &body), Some(200));
    }
    child.kill().unwrap();
    let _ = child.wait();
    let store = location
        .parse::<StoreLocation>()
        .unwrap()
        .open_existing()
        .unwrap();
    let events = store.events(&EventFilter::all()).unwrap();
    assert_eq!(events.len(), stored.len(), "redeliveries added no event");
    let redelivered: HashSet<_> = acked
        .iter()
        .take(500)
        .map(|&i| key_of(i, &submission))
        .collect();
    assert!(
        events
            .iter()
            .filter(|e| redelivered.contains(&e.idempotency_key))
            .all(|e| e.deliveries >= 2)
    );
    eprintln!(
        "{stop} mid-burst on {location}: {} acknowledged, {} stored, 0 lost",
        acked.len(),
        stored.len()
    );
}

fn sqlite_location(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!(
        "clever-kyc-durability-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite:{}", dir.join("store.db").display())
}

#[test]
fn kill_9_mid_burst_loses_no_acknowledged_callback_on_sqlite() {
    nothing_acknowledged_is_lost(&sqlite_location("kill"), "-KILL");
}

#[test]
fn kill_9_mid_burst_loses_no_acknowledged_callback_on_redis() {
    let redis = RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
        .expect("this test needs redis-server");
    nothing_acknowledged_is_lost(&redis.url(), "-KILL");
}

#[test]
fn sigterm_mid_burst_exits_0_and_loses_nothing_on_sqlite() {
    nothing_acknowledged_is_lost(&sqlite_location("term"), "-TERM");
}

#[test]
fn sigterm_mid_burst_exits_0_and_loses_nothing_on_redis() {
    let redis = RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
        .expect("this test needs redis-server");
    nothing_acknowledged_is_lost(&redis.url(), "-TERM");
}

/// Two replicas behind one Redis: each of 10,000 callbacks arrives twice, once at each
/// replica. Exactly 10,000 events are stored, every delivery is answered 200, and the
/// replicas mark 10,000 deliveries as duplicates between them.
#[test]
fn two_replicas_on_one_redis_store_each_event_once() {
    const EVENTS: usize = 10_000;
    let redis = RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
        .expect("this test needs redis-server");
    let (auth, _) = register(&redis.url());
    let addrs = [free_addr(), free_addr()];
    let mut replicas: Vec<Child> = addrs
        .iter()
        .map(|addr| {
            let mut child = clever_kyc()
                .args([
                    "listen",
                    "--bind",
                    &addr.to_string(),
                    "--json",
                    "--store",
                    &redis.url(),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            wait_for_port(*addr, &mut child);
            child
        })
        .collect();
    let duplicates: Vec<_> = replicas
        .iter_mut()
        .map(|child| {
            let stdout = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                BufReader::new(stdout)
                    .lines()
                    .map_while(Result::ok)
                    .filter(|line| line.contains("\"duplicate\":true"))
                    .count()
            })
        })
        .collect();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let auth = auth.clone();
            std::thread::spawn(move || {
                let mut senders = [Sender::new(addrs[0]), Sender::new(addrs[1])];
                let mut not_ok = 0;
                for i in (t..EVENTS).step_by(4) {
                    let body = serde_json::to_vec(&burst_event(i)).unwrap();
                    // The first delivery goes to one replica, the redelivery to the other.
                    let first = i % 2;
                    for replica in [first, 1 - first] {
                        if senders[replica].post(&auth, &body) != Some(200) {
                            not_ok += 1;
                        }
                    }
                }
                not_ok
            })
        })
        .collect();
    let not_ok: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    for child in &replicas {
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
    }
    for child in &mut replicas {
        assert_eq!(child.wait().unwrap().code(), Some(0));
    }
    let duplicates: usize = duplicates.into_iter().map(|t| t.join().unwrap()).sum();
    let store = clever_kyc_receive::RedisStore::open(&redis.url()).unwrap();
    let events = store.events(&EventFilter::all()).unwrap();
    assert_eq!(not_ok, 0, "every delivery answered 200");
    assert_eq!(events.len(), EVENTS, "each event stored once");
    assert!(events.iter().all(|e| e.deliveries == 2));
    assert_eq!(duplicates, EVENTS, "one of each pair was a duplicate");
}
