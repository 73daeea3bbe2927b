//! Running in production: health, readiness and metrics on --admin-bind, logs for pipelines.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clever_kyc_receive::testing::RedisServer;
use serde_json::Value;

use crate::durability::{Sender, burst_event};
use crate::{clever_kyc, free_addr, wait_for_port};

/// A GET on the admin address: status and body.
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

fn spawn(args: &[&str]) -> (Child, SocketAddr, SocketAddr) {
    let (addr, admin) = (free_addr(), free_addr());
    let mut child = clever_kyc()
        .args([
            "listen",
            "--bind",
            &addr.to_string(),
            "--admin-bind",
            &admin.to_string(),
        ])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut child);
    wait_for_port(admin, &mut child);
    (child, addr, admin)
}

fn terminate(mut child: Child) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    stderr
}

fn store(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("clever-kyc-ops-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite:{}", dir.join("kyc.db").display())
}

/// The value of one series in a metrics page, by its exact name and labels.
fn series(page: &str, name: &str) -> Option<f64> {
    page.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn health_readiness_and_the_fixed_metric_names() {
    let auth = "Bearer ops-metrics";
    let (child, addr, admin) = spawn(&[
        "--store",
        &store("metrics"),
        "--auth",
        auth,
        "--log-format",
        "json",
    ]);
    assert_eq!(get(admin, "/healthz").0, 200);
    let (status, body) = get(admin, "/readyz");
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["ready"], true);

    let body = serde_json::to_vec(&burst_event(1)).unwrap();
    let mut sender = Sender::new(addr);
    assert_eq!(sender.post(auth, &body), Some(200));
    assert_eq!(sender.post(auth, &body), Some(200));
    assert_eq!(sender.post("Bearer forged", &body), Some(401));
    let (status, page) = get(admin, "/metrics");
    assert_eq!(status, 200);
    for (name, value) in [
        (r#"clever_kyc_callbacks_total{outcome="accepted"}"#, 1.0),
        (r#"clever_kyc_callbacks_total{outcome="duplicate"}"#, 1.0),
        (r#"clever_kyc_callbacks_total{outcome="refused"}"#, 1.0),
        ("clever_kyc_callback_commit_seconds_count", 2.0),
        ("clever_kyc_forward_backlog", 0.0),
    ] {
        assert_eq!(series(&page, name), Some(value), "{name} in:\n{page}");
    }
    assert!(
        series(&page, "clever_kyc_http_connections").is_some(),
        "{page}"
    );
    assert!(
        page.contains("# TYPE clever_kyc_forwards counter"),
        "{page}"
    );

    let stderr = terminate(child);
    // JSON logs: one object per line, with timestamp, level, target and message; never an
    // Authorization value.
    let objects: Vec<Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let refused = objects
        .iter()
        .find(|o| o["message"] == "callback refused")
        .unwrap_or_else(|| panic!("no refusal logged: {stderr}"));
    for field in ["timestamp", "level", "target", "status", "reason"] {
        assert!(!refused[field].is_null(), "{field} missing: {refused}");
    }
    assert!(
        !stderr.contains("forged") && !stderr.contains("ops-metrics"),
        "{stderr}"
    );
}

/// Readiness follows the store: 503 while Redis is down, 200 again once it is back,
/// without a restart of the listener.
#[test]
fn readiness_goes_503_while_redis_is_down_and_back_to_200() {
    let mut redis = RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"])
        .expect("this test needs redis-server");
    let (child, _, admin) = spawn(&["--store", &redis.url(), "--auth", "Bearer ops-ready"]);
    assert_eq!(get(admin, "/readyz").0, 200);
    redis.stop();
    let (status, body) = get(admin, "/readyz");
    assert_eq!(status, 503, "{body}");
    let reason: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        reason,
        serde_json::json!({"ready": false, "reason": "store unreachable"})
    );
    assert_eq!(get(admin, "/healthz").0, 200, "alive while not ready");
    redis
        .restart(&["--appendonly", "yes", "--appendfsync", "always"])
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(admin, "/readyz").0 != 200 {
        assert!(Instant::now() < deadline, "never ready again");
        std::thread::sleep(Duration::from_millis(100));
    }
    terminate(child);
}

#[test]
fn the_simulator_reports_its_submissions_and_deliveries() {
    let (addr, admin) = (free_addr(), free_addr());
    let mut mock = clever_kyc()
        .args([
            "mock",
            "--bind",
            &addr.to_string(),
            "--admin-bind",
            &admin.to_string(),
        ])
        .args(["--first-delay-ms", "0", "--final-delay-ms", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut mock);
    wait_for_port(admin, &mut mock);
    let receiver = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let callback_url = format!("http://{}/kyc", receiver.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in receiver.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    for token in ["approved-ops", "expired-ops"] {
        let _ = crate::run(clever_kyc().args([
            "submit",
            "--email",
            "ops@example.com",
            "--token",
            token,
            "--base-url",
            &format!("http://{addr}"),
            "--webhook-url",
            &callback_url,
            "--webhook-auth",
            "Bearer x",
        ]));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let page = loop {
        let (_, page) = get(admin, "/metrics");
        if series(
            &page,
            r#"clever_kyc_mock_deliveries_total{result="delivered"}"#,
        ) >= Some(2.0)
        {
            break page;
        }
        assert!(Instant::now() < deadline, "{page}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        series(
            &page,
            r#"clever_kyc_mock_submissions_total{outcome="accepted"}"#
        ),
        Some(1.0),
        "{page}"
    );
    assert_eq!(
        series(
            &page,
            r#"clever_kyc_mock_submissions_total{outcome="refused"}"#
        ),
        Some(1.0),
        "{page}"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &mock.id().to_string()])
        .status();
    let _ = mock.wait();
}
