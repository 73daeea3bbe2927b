//! `clever-kyc mock` and `clever-kyc demo`.

use std::process::Stdio;

use crate::{clever_kyc, free_addr, run, wait_for_port};

#[test]
fn the_mock_command_serves_the_api_to_the_submit_command() {
    let addr = free_addr();
    let mut child = clever_kyc()
        .args([
            "mock",
            "--bind",
            &addr.to_string(),
            "--fault",
            r#"{"kind":"service_unavailable","retry_after_secs":1}"#,
            "--fault-times",
            "1",
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(addr, &mut child);
    let (code, stdout, stderr) = run(clever_kyc().args([
        "submit",
        "--json",
        "--email",
        "a@example.com",
        "--token",
        "approved-cli",
        "--base-url",
        &format!("http://{addr}"),
    ]));
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(code, 0, "{stdout} {stderr}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        json["attempts"], 2,
        "the 503 with Retry-After was retried once"
    );
}

#[test]
fn the_demo_runs_the_whole_flow_and_exits_0() {
    let (code, stdout, stderr) = run(clever_kyc().arg("demo"));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("demo passed"), "{stdout}");
    assert!(stdout.contains("pending then approved via async"));
}

/// `--repeat-delivered N` used to be ignored: each delivered callback is now sent N more
/// times (pending and final: 2 × (1 + 2) = 6 deliveries, 4 of them repeats).
#[test]
fn the_mock_command_repeats_delivered_callbacks_as_asked() {
    use std::io::{Read, Write};
    let mock_addr = free_addr();
    let mut mock = clever_kyc()
        .args([
            "mock",
            "--bind",
            &mock_addr.to_string(),
            "--repeat-delivered",
            "2",
        ])
        .args(["--first-delay-ms", "10", "--final-delay-ms", "10"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(mock_addr, &mut mock);
    let (listener, listen_addr) = crate::spawn_listener(&["--auth", "Bearer repeat"]);
    let (code, _, stderr) = run(clever_kyc().args([
        "submit",
        "--email",
        "r@example.com",
        "--token",
        "approved-repeat",
        "--webhook-url",
        &format!("http://{listen_addr}/kyc"),
        "--webhook-auth",
        "Bearer repeat",
        "--base-url",
        &format!("http://{mock_addr}"),
    ]));
    assert_eq!(code, 0, "{stderr}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let deliveries = loop {
        let mut stream = std::net::TcpStream::connect(mock_addr).unwrap();
        stream
            .write_all(b"GET /__mock/deliveries HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or("[]");
        let deliveries: Vec<serde_json::Value> = serde_json::from_str(body).unwrap_or_default();
        if deliveries.len() >= 6 || std::time::Instant::now() > deadline {
            break deliveries;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    for mut child in [mock, listener] {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_eq!(deliveries.len(), 6, "{deliveries:?}");
    assert_eq!(deliveries.iter().filter(|d| d["repeat"] == true).count(), 4);
}
